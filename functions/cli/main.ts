/**
 * `bulletin` — the command line of Torch Bulletin. By default every command runs against the
 * embedded stack (dynalite + s3rver started in this process, data under `.local/state`); with
 * `--target aws` it uses the AWS SDK's standard configuration instead.
 */
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../config.ts';
import { BulletinError, ValidationError } from '../errors.ts';
import { bootstrapStores } from '../adapters/bootstrap.ts';
import { parsePeriod } from '../core/periods.ts';
import { ingestFiles, type InputFile } from '../app/ingest.ts';
import { currentPeriod, publishBulletin, renderBulletin } from '../app/publish.ts';
import { createServices, type Services } from '../app/services.ts';
import { startLocalStack, type LocalStack } from '../local/stack.ts';
import { progressReporter } from './progress.ts';

const ROOT = resolve(import.meta.dirname, '../..');

interface GlobalOptions {
  target: 'local' | 'aws';
  stateDir: string;
  quiet?: boolean;
}

const program = new Command()
  .name('bulletin')
  .description('Torch Bulletin: 国家高新区 statistics in, 《火炬动态》 PDFs out.')
  .addOption(
    new Option(
      '--target <target>',
      'where the stores are: the embedded local stack, or AWS (standard SDK configuration)',
    )
      .choices(['local', 'aws'])
      .default(process.env.BULLETIN_TARGET ?? 'local'),
  )
  .option(
    '--state-dir <dir>',
    'local stack data folder',
    process.env.BULLETIN_STATE_DIR ?? join(ROOT, '.local', 'state'),
  )
  .option('-q, --quiet', 'print only results')
  .showHelpAfterError();

/** Runs `fn` with services for the chosen target, starting and stopping the local stack. */
async function withServices<T>(fn: (s: Services, stack?: LocalStack) => Promise<T>): Promise<T> {
  const opts = program.opts<GlobalOptions>();
  let stack: LocalStack | undefined;
  if (opts.target === 'local') {
    stack = await startLocalStack({ stateDir: resolve(opts.stateDir) });
    Object.assign(process.env, stack.env);
  }
  const services = createServices(loadConfig(process.env));
  try {
    if (stack) await bootstrapStores(services.config, services.clients);
    return await fn(services, stack);
  } finally {
    await services.close();
    await stack?.stop();
  }
}

const info = (msg: string) => {
  if (!program.opts<GlobalOptions>().quiet) process.stderr.write(`${msg}\n`);
};

function periodArg(value: string): string {
  if (!parsePeriod(value)) throw new InvalidArgumentError('expected 2024, 2024-Q3 or 2024-10');
  return value;
}

async function readInputs(paths: string[]): Promise<InputFile[]> {
  return Promise.all(
    paths.map(async (p) => ({ name: p, bytes: new Uint8Array(await readFile(p)) })),
  );
}

async function ingestPaths(s: Services, paths: string[]) {
  const files = await readInputs(paths);
  const progress = progressReporter('ingest');
  try {
    return await ingestFiles({ records: s.records, reference: s.reference }, files, {
      onProgress: (d, t) => progress.update(d, t),
    });
  } finally {
    progress.stop();
  }
}

/** The repository's own data: every CSV under data/records and the sample articles. */
async function defaultDataFiles(): Promise<string[]> {
  const dir = join(ROOT, 'data', 'records');
  const csv = (await readdir(dir))
    .filter((f) => f.endsWith('.csv'))
    .sort()
    .map((f) => join(dir, f));
  return [...csv, join(ROOT, 'data', 'articles.json')];
}

async function generate(s: Services, opts: { period?: string; out?: string; slot?: string }) {
  const result = await publishBulletin(
    {
      records: s.records,
      catalog: s.catalog,
      archive: s.archive,
      renderer: s.renderer,
      reference: s.reference,
      workDir: join(ROOT, '.local', 'work'),
      timeZone: s.config.timeZone,
      log: info,
    },
    {
      slotKey: opts.slot ?? `cli:${randomUUID()}`,
      ...(opts.period ? { period: opts.period } : {}),
    },
  );
  const issue = result.issue;
  const out = resolve(opts.out ?? join(ROOT, '.local', 'out', issue.fileName ?? `${issue.id}.pdf`));
  await mkdir(resolve(out, '..'), { recursive: true });
  if (result.pdfPath) await copyFile(result.pdfPath, out);
  else {
    const bytes = await s.archive.get(issue.s3Key!);
    if (bytes) await (await import('node:fs/promises')).writeFile(out, bytes);
  }
  const url = await s.archive.presignDownload(issue.s3Key!, {
    fileName: issue.fileName ?? `${issue.id}.pdf`,
    ttlSeconds: s.config.presignTtlSeconds,
  });
  return { result, out, url };
}

function printIssueResult(r: Awaited<ReturnType<typeof generate>>) {
  const i = r.result.issue;
  info(
    `${i.title ?? i.series} ${i.year}年第${i.number}期(总第${i.total}期) · ${i.pages} pages · ${i.bytes} bytes · period ${i.period}` +
      (r.result.rendered
        ? ` · compose ${r.result.timings.composeMs.toFixed(0)} ms, html ${r.result.timings.htmlMs.toFixed(0)} ms, pdf ${r.result.timings.pdfMs.toFixed(0)} ms`
        : ' · already published'),
  );
  console.log(`PDF:    ${r.out}`);
  console.log(
    `S3 key: s3://${process.env.BULLETIN_ARCHIVE_BUCKET ?? 'torch-bulletin-archive'}/${i.s3Key}`,
  );
  console.log(`URL:    ${r.url}`);
}

program
  .command('bootstrap')
  .description('create the tables and the bucket (idempotent)')
  .action(() =>
    withServices(async (s) => {
      const r = await bootstrapStores(s.config, s.clients);
      info(
        `created: ${r.created.join(', ') || '(none)'}; already there: ${r.existing.join(', ') || '(none)'}`,
      );
    }),
  );

program
  .command('ingest')
  .description('validate a batch of CSV/JSON record files (and articles JSON), then store it')
  .argument('<files...>', 'CSV (zone,indicator,period,value,unit,yoy,share,source) or JSON files')
  .action((files: string[]) =>
    withServices(async (s) => {
      const r = await ingestPaths(s, files);
      console.log(
        `ingested ${r.records} records from ${r.files} file(s): ${r.created} new, ${r.revised} revised, ${r.unchanged} unchanged; ` +
          `articles ${r.articles.created} new, ${r.articles.revised} revised, ${r.articles.unchanged} unchanged; periods ${r.periods.join(', ')}`,
      );
    }),
  );

program
  .command('generate')
  .description('generate and publish a report: number it, render the PDF, store it in S3')
  .addOption(
    new Option('--kind <kind>', 'report kind')
      .choices(['torch-bulletin'])
      .default('torch-bulletin'),
  )
  .option('--period <period>', 'data period (default: the latest with national GDP)', periodArg)
  .option('--out <file>', 'also write the PDF here')
  .option(
    '--slot <key>',
    'idempotency key: the same key never makes two issues (default: a new key)',
  )
  .action((opts: { period?: string; out?: string; slot?: string }) =>
    withServices(async (s) => printIssueResult(await generate(s, opts))),
  );

program
  .command('preview')
  .description('render a report to HTML and PDF without numbering or publishing it')
  .addOption(
    new Option('--kind <kind>', 'report kind')
      .choices(['torch-bulletin'])
      .default('torch-bulletin'),
  )
  .option('--period <period>', 'data period', periodArg)
  .option('--out-dir <dir>', 'output folder', join(ROOT, '.local', 'preview'))
  .action((opts: { period?: string; outDir: string }) =>
    withServices(async (s) => {
      const period = opts.period ?? (await currentPeriod(s.records));
      const r = await renderBulletin(
        {
          records: s.records,
          catalog: s.catalog,
          archive: s.archive,
          renderer: s.renderer,
          reference: s.reference,
          workDir: resolve(opts.outDir),
          timeZone: s.config.timeZone,
        },
        {
          series: 'torch-bulletin',
          period,
          date: new Date(),
          fileStem: `preview-torch-bulletin-${period}`,
        },
      );
      console.log(`HTML: ${r.htmlPath}`);
      console.log(`PDF:  ${r.pdfPath} (${r.pages} pages, ${r.pdf.byteLength} bytes)`);
    }),
  );

program
  .command('list')
  .description('list issues in the catalog, newest first')
  .option('--series <id>', 'series', 'torch-bulletin')
  .option('--limit <n>', 'how many', (v) => Number.parseInt(v, 10), 20)
  .action((opts: { series: string; limit: number }) =>
    withServices(async (s) => {
      const { items } = await s.catalog.list(opts.series, { limit: opts.limit });
      if (items.length === 0) console.log('(no issues)');
      for (const i of items) {
        console.log(
          [
            i.id,
            `${i.year}年第${i.number}期(总第${i.total}期)`,
            i.status,
            i.period ?? '',
            i.pages ? `${i.pages}页` : '',
            i.bytes ? `${i.bytes}B` : '',
            i.publishedAt ?? i.createdAt,
            i.failure ?? '',
          ].join('\t'),
        );
      }
    }),
  );

program
  .command('start')
  .description('bootstrap, load data/ when the store is empty, and publish the current bulletin')
  .action(() =>
    withServices(async (s) => {
      const hasData = await s.records.latestPeriodOf('national-htz', 'gdp');
      if (!hasData) {
        const files = await defaultDataFiles();
        info(`loading ${files.length} files from data/ …`);
        const r = await ingestPaths(s, files);
        info(`stored ${r.records} records (${r.created} new) and ${r.articles.created} articles`);
      }
      printIssueResult(await generate(s, {}));
    }),
  );

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ValidationError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exitCode = 2;
  } else if (err instanceof BulletinError) {
    process.stderr.write(`error: ${err.message}\n`);
    if (process.env.BULLETIN_DEBUG && err.cause) console.error(err.cause);
    process.exitCode = 1;
  } else {
    console.error(err);
    process.exitCode = 1;
  }
});
