import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { loadLocalServerSettings } from '../../config.ts';
import { ValidationError } from '../../errors.ts';
import { publishReport, type PublishResult } from '../../app/publish.ts';
import { reportRequestSchema, slotKeys, type ReportRequestBody } from '../../app/requests.ts';
import { ALL_ZONES_KINDS, REPORT_KINDS, type ReportKind } from '../../contract/kinds.ts';
import { verifiedBytes } from '../../app/verified-download.ts';
import type { Services } from '../../wiring/services.ts';
import { periodArg, type Cli } from '../context.ts';
import { outputPathIn } from '../output-path.ts';
import { allZonesOptions, generateAllZones, type AllZonesOptions } from './batch.ts';

export interface GenerateOutcome {
  result: PublishResult;
  out: string;
  url: string;
}

export interface GenerateOptions {
  kind?: ReportKind;
  period?: string;
  zone?: string;
  region?: string;
  out?: string;
  slot?: string;
}

/** Publishes a report, copies the PDF to `out` and presigns a download URL. */
export async function generateBulletin(
  cli: Cli,
  s: Services,
  opts: GenerateOptions,
): Promise<GenerateOutcome> {
  const request = checkKindOptions({ ...opts, kind: opts.kind ?? 'torch-bulletin' });
  const result = await publishReport(cli.publishDeps(s), {
    ...request,
    slotKey: opts.slot ?? slotKeys.cli(randomUUID()),
  });
  const issue = result.issue;
  const fileName = issue.fileName ?? `${issue.id}.pdf`;
  // The file name comes from data (a zone's or region's name): one name inside .local/out.
  const out = resolve(
    opts.out ?? outputPathIn(join(cli.root, '.local', 'out'), fileName, `${issue.id}.pdf`),
  );
  await mkdir(dirname(out), { recursive: true });
  if (result.pdfPath) await copyFile(result.pdfPath, out);
  else
    await writeFile(
      out,
      await verifiedBytes(s.archive, issue.s3Key!, { sha256: issue.sha256, bytes: issue.bytes }),
    );
  const url = await s.archive.presignDownload(issue.s3Key!, {
    fileName,
    ttlSeconds: s.config.presignTtlSeconds,
  });
  return { result, out, url };
}

export function printOutcome(cli: Cli, s: Services, r: GenerateOutcome): void {
  const i = r.result.issue;
  const t = r.result.timings;
  cli.info(
    `${i.title ?? i.series} ${i.year}年第${i.number}期(总第${i.total}期) · ${i.pages} pages · ${i.bytes} bytes · data period ${i.period}` +
      (r.result.rendered
        ? ` · compose ${t.composeMs.toFixed(0)} ms, html ${t.htmlMs.toFixed(0)} ms, pdf ${t.pdfMs.toFixed(0)} ms, store ${t.storeMs.toFixed(0)} ms`
        : ' · already published, not rendered again'),
  );
  console.log(`PDF:    ${r.out}`);
  console.log(`S3 key: s3://${s.config.bucket}/${i.s3Key}`);
  if (cli.options().target === 'aws') {
    console.log(`URL:    ${r.url}`);
  } else {
    // The embedded stores stop with this command: a presigned URL to them would not work.
    console.log(
      `Browse: npm run serve  →  http://127.0.0.1:${loadLocalServerSettings().port || 8787}/`,
    );
  }
}

/** What to write for an option a kind needs and did not get. */
const OPTION_HINTS: Record<string, string> = {
  zone: 'needs --zone <id|name>, e.g. --zone 东湖高新区',
  region: 'needs --region <name>, e.g. --region 长三角',
};

/**
 * The request of the command line's options, checked with the same schema as the API's
 * bodies: the option a kind needs is there, and no option of another kind is given.
 * @throws ValidationError naming the option.
 */
export function checkKindOptions(opts: {
  kind: ReportKind;
  period?: string;
  zone?: string;
  region?: string;
}): ReportRequestBody {
  const body = {
    kind: opts.kind,
    ...(opts.period ? { period: opts.period } : {}),
    ...(opts.zone ? { zone: opts.zone } : {}),
    ...(opts.region ? { region: opts.region } : {}),
  };
  const parsed = reportRequestSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    'cli',
    parsed.error.issues.map((i) => {
      const option = String(i.path[0] ?? ('keys' in i ? i.keys[0] : '') ?? '');
      const missing = !(option in body);
      return {
        file: 'command line',
        location: `--kind ${opts.kind}`,
        field: `--${option}`,
        message:
          missing && OPTION_HINTS[option]
            ? OPTION_HINTS[option]
            : i.code === 'unrecognized_keys'
              ? `--${option} does not apply to ${opts.kind}`
              : i.message,
      };
    }),
  );
}

/** The options every report command shares: kind, period, zone, region. */
export function reportOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--kind <类型>', '报告类型 (report kind)')
        .choices(REPORT_KINDS)
        .default('torch-bulletin'),
    )
    .option(
      '--period <期间>',
      '数据期间 (YYYY, YYYY-Qn, YYYY-MM)；默认：该类型有数据的最新期间（全国 GDP、该园区、该区域）',
      periodArg,
    )
    .option('--zone <园区>', 'zone-profile：园区 id、名称或简称（如 东湖高新区、chengdu）')
    .option(
      '--region <区域>',
      'regional-report：省、市、东部/中部/西部/东北或区域联盟（京津冀、长三角 …）',
    );
}

export function register(program: Command, cli: Cli): void {
  allZonesOptions(
    reportOptions(
      program.command('generate').description('生成并发布报告：编号、生成 PDF、存入 S3'),
    ),
  )
    .option('--out <文件>', '另存一份 PDF 到此路径')
    .option('--slot <键>', '幂等键 (idempotency key)：同一个键不会生成两期（默认：新键）')
    .action((opts: GenerateOptions & AllZonesOptions & { kind: ReportKind; all?: boolean }) => {
      if (opts.all && ALL_ZONES_KINDS.includes(opts.kind)) return generateAllZones(cli, opts);
      checkKindOptions(opts); // before the local stack starts
      return cli.withServices(async (s) =>
        printOutcome(cli, s, await generateBulletin(cli, s, opts)),
      );
    });
}
