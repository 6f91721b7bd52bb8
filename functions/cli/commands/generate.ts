import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { publishBulletin, type PublishResult } from '../../app/publish.ts';
import type { Services } from '../../app/services.ts';
import { periodArg, type Cli } from '../context.ts';

export interface GenerateOutcome {
  result: PublishResult;
  out: string;
  url: string;
}

/** Publishes the bulletin, copies the PDF to `out` and presigns a download URL. */
export async function generateBulletin(
  cli: Cli,
  s: Services,
  opts: { period?: string; out?: string; slot?: string },
): Promise<GenerateOutcome> {
  const result = await publishBulletin(cli.publishDeps(s), {
    slotKey: opts.slot ?? `cli:${randomUUID()}`,
    ...(opts.period ? { period: opts.period } : {}),
  });
  const issue = result.issue;
  const fileName = issue.fileName ?? `${issue.id}.pdf`;
  const out = resolve(opts.out ?? join(cli.root, '.local', 'out', fileName));
  await mkdir(dirname(out), { recursive: true });
  if (result.pdfPath) await copyFile(result.pdfPath, out);
  else {
    const bytes = await s.archive.get(issue.s3Key!);
    if (bytes) await writeFile(out, bytes);
  }
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
  console.log(`URL:    ${r.url}`);
}

export function register(program: Command, cli: Cli): void {
  program
    .command('generate')
    .description('generate and publish a report: number it, render the PDF, store it in S3')
    .addOption(
      new Option('--kind <kind>', 'report kind')
        .choices(['torch-bulletin'])
        .default('torch-bulletin'),
    )
    .option(
      '--period <period>',
      'data period (default: the latest with the national GDP figure)',
      periodArg,
    )
    .option('--out <file>', 'also write the PDF here')
    .option('--slot <key>', 'idempotency key: one key never makes two issues (default: a new key)')
    .action((opts: { period?: string; out?: string; slot?: string }) =>
      cli.withServices(async (s) => printOutcome(cli, s, await generateBulletin(cli, s, opts))),
    );
}
