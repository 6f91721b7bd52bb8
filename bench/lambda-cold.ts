/**
 * Bench phase "Lambda cold path": the render function as Lambda runs it, measured here.
 *
 * 1. Builds what `cdk deploy` uploads — the Chromium + fonts layer and the bundled
 *    `scheduled-bulletin` handler (local esbuild, as `npm run synth`) — and reports their sizes.
 * 2. Starts the embedded stores (dynalite + s3rver) with the repository's data.
 * 3. In a fresh Node process with a fresh, empty TMPDIR (Lambda's /tmp) and the layer's
 *    layout (BULLETIN_CHROMIUM_BIN_DIR, BULLETIN_FONT_DIR) it imports the bundle (Lambda's
 *    init), invokes the handler with a scheduler event (unpacks Chromium, writes the
 *    fontconfig cache, launches, renders, stores: the first invocation), then once more for
 *    another firing (warm) and once for the same firing (a duplicate delivery).
 *
 * Run alone: `npx tsx bench/lambda-cold.ts`; `npm run bench` runs it as its last phase.
 * Figures go to stdout (and are returned).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { NODE_FLAGS } from '../functions/contract/node-flags.ts';

const ROOT = resolve(import.meta.dirname, '..');
const MB = 1024 * 1024;
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const sizeOf = (dir: string) =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .reduce((n, e) => n + statSync(join(e.parentPath, e.name)).size, 0);

/** The script the fresh process runs: init, first, warm and duplicate invocation, timed. */
const CHILD = `
const t0 = performance.now();
const { handler } = await import(process.env.BENCH_BUNDLE);
const t1 = performance.now();
// Two periods: a firing whose inputs equal an open draft's makes none (the editorial cycle).
const event = (time, period) => ({ scheduleId: 'bench-cold', kind: 'torch-bulletin', series: 'torch-bulletin', period, scheduledTime: time });
const first = await handler(event('2026-01-15T01:00:00Z', '2024'));
const t2 = performance.now();
const warm = await handler(event('2026-02-15T01:00:00Z', '2023'));
const t3 = performance.now();
const dup = await handler(event('2026-02-15T01:00:00Z', '2023'));
const t4 = performance.now();
console.log(JSON.stringify({ initMs: t1 - t0, firstMs: t2 - t1, warmMs: t3 - t2, duplicateMs: t4 - t3,
  rendered: [first.printed, warm.printed, dup.printed] }));
process.exit(0);
`;

export interface LambdaColdFigures {
  layerMb: number;
  functionMb: number;
  indexMjsMb: number;
  initMs: number;
  firstInvocationMs: number;
  coldTotalMs: number;
  warmInvocationMs: number;
  duplicateMs: number;
}

export async function runLambdaColdPhase(
  log: (m: string) => void = (m) => process.stderr.write(`${m}\n`),
): Promise<LambdaColdFigures> {
  const work = mkdtempSync(join(tmpdir(), 'torch-lambda-cold-'));
  const { App, Stack } = await import('aws-cdk-lib');
  const { ChromiumLayer } = await import('../infra/constructs/chromium-layer.ts');
  const { BulletinFunction } = await import('../infra/constructs/bulletin-function.ts');
  const { startLocalStack } = await import('../functions/local/stack.ts');
  const { loadConfig } = await import('../functions/config.ts');
  const { createServices } = await import('../functions/wiring/services.ts');
  const { bootstrapStores } = await import('../functions/adapters/bootstrap.ts');
  const { ingestFiles } = await import('../functions/app/ingest.ts');
  try {
    log('lambda cold path: building the layer and the render bundle …');
    const app = new App({ outdir: join(work, 'cdk.out') });
    const stack = new Stack(app, 'LambdaCold');
    const layer = new ChromiumLayer(stack, 'Chromium');
    const fn = new BulletinFunction(stack, 'Render', {
      handler: 'scheduled-bulletin',
      description: 'bench',
      browser: layer.layer,
    });
    const template = app.synth().getStackByName('LambdaCold').template as {
      Resources: Record<string, { Properties: Record<string, Record<string, unknown>> }>;
    };
    const assetOf = (c: { node: { defaultChild?: unknown } }) => {
      const p = template.Resources[stack.getLogicalId(c.node.defaultChild as never)]!.Properties;
      const key = String((p['Code'] ?? p['Content'])!['S3Key']);
      return join(work, 'cdk.out', `asset.${key.replace(/\.zip$/, '')}`);
    };
    const layerDir = assetOf(layer.layer);
    const fnDir = assetOf(fn.fn);

    log('lambda cold path: embedded stores with the repository data …');
    const local = await startLocalStack({ stateDir: join(work, 'state'), inMemory: true });
    const config = loadConfig({ ...process.env, ...local.env });
    const services = createServices(config);
    let out: string;
    try {
      await bootstrapStores(config, services.clients);
      const recordsDir = join(ROOT, 'data', 'records');
      const files = [
        ...readdirSync(recordsDir)
          .filter((f) => f.endsWith('.csv'))
          .map((f) => join(recordsDir, f)),
        join(ROOT, 'data', 'articles.json'),
      ].map((name) => ({ name, bytes: new Uint8Array(readFileSync(name)) }));
      await ingestFiles({ records: services.records, reference: services.reference }, files);

      log('lambda cold path: fresh process, fresh /tmp, bundled handler …');
      const lambdaTmp = mkdtempSync(join(work, 'tmp-'));
      ({ stdout: out } = await promisify(execFile)(
        process.execPath,
        ['--input-type=module', '-e', CHILD],
        {
          cwd: fnDir,
          maxBuffer: 64 * MB,
          env: {
            PATH: process.env['PATH'] ?? '',
            ...local.env,
            TMPDIR: lambdaTmp,
            BENCH_BUNDLE: pathToFileURL(join(fnDir, 'index.mjs')).href,
            BULLETIN_CHROMIUM_BIN_DIR: join(layerDir, 'chromium', 'bin'),
            BULLETIN_FONT_DIR: join(layerDir, 'fonts'),
            BULLETIN_TEMPLATES_DIR: join(fnDir, 'templates'),
            BULLETIN_TIME_ZONE: 'Asia/Shanghai',
            // As the stack sets it on every function (infra/constructs/bulletin-function.ts).
            NODE_OPTIONS: NODE_FLAGS.join(' '),
            POWERTOOLS_LOG_LEVEL: 'WARN',
            POWERTOOLS_METRICS_DISABLED: 'true',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
        },
      ));
    } finally {
      await services.close();
      await local.stop();
    }
    const child = JSON.parse(out.trim().split('\n').pop()!) as {
      initMs: number;
      firstMs: number;
      warmMs: number;
      duplicateMs: number;
      rendered: boolean[];
    };
    if (child.rendered.join() !== 'true,true,false')
      throw new Error(`unexpected invocations: rendered ${child.rendered.join()}`);
    const figures: LambdaColdFigures = {
      layerMb: Number((sizeOf(layerDir) / MB).toFixed(1)),
      functionMb: Number((sizeOf(fnDir) / MB).toFixed(1)),
      indexMjsMb: Number((statSync(join(fnDir, 'index.mjs')).size / MB).toFixed(1)),
      initMs: Math.round(child.initMs),
      firstInvocationMs: Math.round(child.firstMs),
      coldTotalMs: Math.round(child.initMs + child.firstMs),
      warmInvocationMs: Math.round(child.warmMs),
      duplicateMs: Math.round(child.duplicateMs),
    };
    console.log(
      [
        '',
        '── Lambda cold path (bundled scheduled-bulletin handler, layer layout, fresh /tmp) ──',
        `layer (Chromium + fonts)   ${figures.layerMb} MB unzipped`,
        `render function bundle     ${figures.functionMb} MB unzipped (index.mjs ${figures.indexMjsMb} MB)`,
        `init (import the bundle)   ${figures.initMs} ms`,
        `first invocation           ${figures.firstInvocationMs} ms (unpack Chromium, fontconfig, launch, render, store)`,
        `cold total                 ${figures.coldTotalMs} ms`,
        `warm invocation            ${figures.warmInvocationMs} ms (another firing: render + store)`,
        `duplicate delivery         ${figures.duplicateMs} ms (same firing: nothing rendered)`,
      ].join('\n'),
    );
    return figures;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runLambdaColdPhase();
}
