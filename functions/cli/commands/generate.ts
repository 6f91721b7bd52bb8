import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { ValidationError } from '../../errors.ts';
import { formatNumbering } from '../../app/lifecycle.ts';
import { formatSize } from '../../core/display.ts';
import { publishReport, type PublishResult } from '../../app/publish.ts';
import { reportRequestSchema, slotKeys, type ReportRequestBody } from '../../app/requests.ts';
import {
  ALL_ZONES_KINDS,
  REPORT_KINDS,
  SERIES_OF_KIND,
  type ReportKind,
} from '../../contract/kinds.ts';
import { verifiedBytes } from '../../app/verified-download.ts';
import type { Services } from '../../wiring/services.ts';
import { periodArg, type Cli } from '../context.ts';
import { noticeLine } from '../notices.ts';
import { checkOutputFile, outputPathIn } from '../output-path.ts';
import { allZonesOptions, generateAllZones, type AllZonesOptions } from './batch.ts';
import { loadPrintConfig } from '../../config.ts';
import { createChromiumRenderer } from '../../adapters/print/renderer.ts';
import type { PdfRenderer } from '../../app/ports.ts';
import { interruptOnCtrlC } from '../interrupt.ts';

export interface GenerateOutcome {
  result: PublishResult;
  /** The PDF written for the user: the released issue's, or the draft's (样稿). */
  out?: string;
  /** A presigned download (AWS only; the embedded stores stop with the command). */
  url?: string;
}

export interface GenerateOptions {
  kind?: ReportKind;
  period?: string;
  zone?: string;
  region?: string;
  out?: string;
  slot?: string;
  force?: boolean;
  /** Release at once: the operator reviewed it (recorded as released by them). */
  release?: boolean;
  /** `npm start`: on a series with nothing released yet, the review rule is waived once. */
  firstRun?: boolean;
}

/** Who is at the keyboard, as recorded with a release. */
export function operatorName(): string {
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}

/**
 * Triggers a report through the editorial cycle and writes its PDF to `out`: the released
 * issue's, or the draft's when it awaits review. Unchanged inputs give the issue already out;
 * an empty period gives nothing.
 */
export async function generateBulletin(
  cli: Cli,
  s: Services,
  opts: GenerateOptions,
  /** Instead of the services' renderer (one that leaves Ctrl-C to the command). */
  renderer?: PdfRenderer,
): Promise<GenerateOutcome> {
  const request = checkKindOptions({ ...opts, kind: opts.kind ?? 'torch-bulletin' });
  const deps = { ...cli.publishDeps(s), ...(renderer ? { renderer } : {}) };
  let releaseNow: { by?: string } | undefined = opts.release
    ? { by: `${operatorName()} (bulletin generate --release)` }
    : undefined;
  if (!releaseNow && opts.firstRun) {
    const series = deps.reference.seriesById(request.series ?? 'torch-bulletin');
    if (series && !(await s.cycle.lastNumbering(series.id))) releaseNow = {};
  }
  const result = await publishReport(deps, {
    ...request,
    slotKey: opts.slot ?? slotKeys.cli(randomUUID()),
    trigger: opts.firstRun ? 'npm start' : 'cli',
    ...(opts.force ? { force: true } : {}),
    ...(releaseNow ? { releaseNow } : {}),
  });
  const stored = storedPdf(result);
  if (!stored) return { result };
  // The file name comes from data (a zone's or region's name): one name inside .local/out.
  const out = resolve(
    opts.out ?? outputPathIn(join(cli.root, '.local', 'out'), stored.fileName, stored.fallback),
  );
  await mkdir(dirname(out), { recursive: true });
  if (result.pdfPath && result.printed) await copyFile(result.pdfPath, out);
  else await writeFile(out, await verifiedBytes(s.archive, stored.key, stored));
  const url =
    cli.options().target === 'aws'
      ? await s.archive.presignDownload(stored.key, {
          fileName: stored.fileName,
          ttlSeconds: s.config.presignTtlSeconds,
        })
      : undefined;
  return { result, out, ...(url ? { url } : {}) };
}

/** The stored PDF a trigger's outcome points at: the issue's, else an open draft's. */
function storedPdf(result: PublishResult) {
  const { issue, draft } = result;
  if (issue?.s3Key && issue.status === 'published')
    return {
      key: issue.s3Key,
      fileName: issue.fileName ?? `${issue.id}.pdf`,
      fallback: `${issue.id}.pdf`,
      ...(issue.sha256 ? { sha256: issue.sha256 } : {}),
      ...(issue.bytes !== undefined ? { bytes: issue.bytes } : {}),
    };
  if (draft?.s3Key && result.outcome === 'drafted')
    return {
      key: draft.s3Key,
      fileName: draft.fileName ?? `${draft.id}.pdf`,
      fallback: `${draft.id}.pdf`,
      ...(draft.sha256 ? { sha256: draft.sha256 } : {}),
      ...(draft.bytes !== undefined ? { bytes: draft.bytes } : {}),
    };
  return undefined;
}

export async function printOutcome(cli: Cli, s: Services, r: GenerateOutcome): Promise<void> {
  const { result } = r;
  const t = result.timings;
  const timing = result.printed
    ? ` · 用时：组稿 ${t.composeMs.toFixed(0)} ms、HTML ${t.htmlMs.toFixed(0)} ms、PDF ${t.pdfMs.toFixed(0)} ms`
    : '';
  // (The cycle has logged the run, its slot and what it did: found and retried by them.)
  const i = result.issue;
  const d = result.draft;
  if (result.outcome === 'released' && i) {
    cli.info(
      `${i.title ?? i.series} ${formatNumbering(i)} · ${i.pages} 页 · ${i.bytes === undefined ? '' : `${formatSize(i.bytes)} · `}数据期 ${i.period}${timing}`,
    );
  } else if (result.outcome === 'drafted' && d) {
    console.log(
      `稿件 ${d.id}：${d.title} · 数据期 ${d.period} · ${d.pages ?? '?'} 页（样稿，未编号）${timing}`,
    );
  }
  // Without --quiet the cycle's log has said it already (in the same words).
  if (cli.options().quiet) console.log(result.message);
  if (r.out) console.log(`PDF：${r.out}`);
  // Its S3 object, where it lasts: on AWS (the embedded stores stop with this command).
  if (result.outcome !== 'drafted' && i?.s3Key && cli.options().target === 'aws')
    console.log(`S3：s3://${s.config.bucket}/${i.s3Key}`);
  if (r.url) console.log(`下载链接 (URL)：${r.url}`);
  // Released by this run: what its notices did (as a release from the console would).
  if (result.outcome === 'released' && i && result.printed)
    console.log(await noticeLine(s, cli.noticeWay(s), i, result));
  if (!r.url && r.out) console.log(await browseLine(cli));
  // Nothing made because the period is empty: the command did not do what was asked.
  if (result.outcome === 'empty') process.exitCode = 1;
}

/**
 * Where to read the archive: the running `bulletin serve` of this state folder, at its real
 * address; with none running, how to start it (no address is guessed).
 */
export async function browseLine(cli: Cli): Promise<string> {
  const server = await cli.runningServer();
  return server
    ? `浏览：${server.url}/（bulletin serve 正在运行）`
    : '浏览：本地服务未运行；npm run serve 启动后，它会给出往期查阅页的地址';
}

/** What to write for an option a kind needs and did not get. */
const OPTION_HINTS: Record<string, string> = {
  zone: '需要 --zone <园区 id 或名称>，例如 --zone 东湖高新区',
  region: '需要 --region <区域名称>，例如 --region 长三角',
};

/**
 * `--all` is a batch over every national zone, which only the kinds in `ALL_ZONES_KINDS` have:
 * with another kind it is refused, not dropped (`generate --all` made one bulletin and said
 * nothing of the option).
 * @throws ValidationError naming `--all`.
 */
export function checkAllZonesKind(kind: ReportKind): void {
  if (ALL_ZONES_KINDS.includes(kind)) return;
  throw new ValidationError('cli', [
    {
      file: '命令行',
      location: `--kind ${kind}`,
      field: '--all',
      message: `--all 只用于 ${ALL_ZONES_KINDS.join('、')}（一次生成全部国家高新区的园区画像），不适用于 ${kind}；请加 --kind ${ALL_ZONES_KINDS[0]}`,
    },
  ]);
}

/** The options only the all-zones batch reads, and what each is for. */
const BATCH_ONLY: Record<'pages' | 'synthetic', { flag: string; what: string }> = {
  pages: { flag: '--pages', what: '全部园区一起生成时同时打印的页面数' },
  synthetic: { flag: '--synthetic', what: '全部园区一起生成时改用合成数据集' },
};

/**
 * `--pages` and `--synthetic` are options of the all-zones batch: without `--all` they are
 * refused, not dropped (a single report was made from the real data and nothing was said).
 * @throws ValidationError naming the first such option given.
 */
export function checkBatchOnlyOptions(opts: {
  all?: boolean;
  pages?: number;
  synthetic?: boolean;
}): void {
  if (opts.all) return;
  const given = (['pages', 'synthetic'] as const).filter(
    (k) => opts[k] !== undefined && opts[k] !== false,
  );
  if (given.length === 0) return;
  throw new ValidationError(
    'cli',
    given.map((k) => ({
      file: '命令行',
      location: 'generate',
      field: BATCH_ONLY[k].flag,
      message: `${BATCH_ONLY[k].flag} 只与 --all 一起使用（${BATCH_ONLY[k].what}）；生成单份报告时请去掉它，或加上 --all --kind zone-profile`,
    })),
  );
}

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
        file: '命令行',
        location: `--kind ${opts.kind}`,
        field: `--${option}`,
        message:
          missing && OPTION_HINTS[option]
            ? OPTION_HINTS[option]
            : i.code === 'unrecognized_keys'
              ? `--${option} 不适用于 ${opts.kind}`
              : i.message,
      };
    }),
  );
}

/**
 * The request in words: `生成报告（《国家高新区区域发展报告》，区域：长三角）` — the kind's series
 * title once the services are up (the reference data), the kind id before.
 */
function requestWords(opts: GenerateOptions, s?: Services): string {
  const kind = opts.kind ?? 'torch-bulletin';
  const title = s?.reference.seriesById(SERIES_OF_KIND[kind])?.title;
  const parts = [
    title ? `《${title}》` : kind,
    ...(opts.region ? [`区域：${opts.region}`] : []),
    ...(opts.zone ? [`园区：${opts.zone}`] : []),
    ...(opts.period ? [`数据期：${opts.period}`] : []),
  ];
  return `生成报告（${parts.join('，')}）`;
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
      program
        .command('generate')
        .alias('draft')
        .description(
          '触发报告：生成待审稿件 (draft)；刊物无需审核或加 --release 时立即发布（取期号）；数据未变或为空则不生成',
        ),
    ),
  )
    .option('--out <文件>', '另存一份 PDF 到此路径（文件已存在时须加 --force 才覆盖）')
    .option('--slot <键>', '幂等键 (idempotency key)：同一个键不会生成两份稿件（默认：新键）')
    .option('--release', '立即发布（已自行审核）：此时取期号，记为由您发布')
    .action(
      async (opts: GenerateOptions & AllZonesOptions & { kind: ReportKind; all?: boolean }) => {
        if (opts.all) {
          checkAllZonesKind(opts.kind);
          return generateAllZones(cli, opts);
        }
        checkBatchOnlyOptions(opts);
        checkKindOptions(opts); // before the local stack starts
        if (opts.out) checkOutputFile(resolve(opts.out), opts);
        const slot = opts.slot ?? slotKeys.cli(randomUUID());
        // Ctrl-C says what it cut off and what is left (puppeteer's own handler would exit
        // silently).
        const renderer = createChromiumRenderer({ ...loadPrintConfig(), handleSIGINT: false });
        const interrupt = interruptOnCtrlC({ title: (s) => requestWords(opts, s), slotKey: slot });
        try {
          return await cli.withServices(async (s) => {
            interrupt.attach(s);
            await printOutcome(cli, s, await generateBulletin(cli, s, { ...opts, slot }, renderer));
          });
        } finally {
          interrupt.dispose();
          await renderer.close();
        }
      },
    );
}
