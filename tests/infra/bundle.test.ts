/**
 * The Lambda bundles and the Chromium + fonts layer, really built (local esbuild, no Docker)
 * by synthesizing a stack with the constructs the deployment uses: the layer carries
 * Chromium's archives and the fonts, a render function carries its code, templates and data
 * but no Chromium, a non-render function only its code; each loads as an ES module, and
 * function + layer fit Lambda's limits. The sizes are printed (and asserted).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { App, Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BulletinFunction } from '../../infra/constructs/bulletin-function.ts';
import { ChromiumLayer } from '../../infra/constructs/chromium-layer.ts';
import { FONT_FILES } from '../../functions/contract/assets.ts';
import { sourcesHash } from '../../functions/contract/code-stamp.ts';
import { PROJECT_ROOT } from '../../infra/bundling.ts';

const MB = 1024 * 1024;
/** Lambda: deployment package incl. layers, unzipped. */
const UNZIPPED_LIMIT = 250 * MB;
/** Lambda: zip uploaded directly (not through S3). */
const DIRECT_UPLOAD_LIMIT = 50 * MB;
/** Our budget for a render function's own code, templates and data (no Chromium). */
const RENDER_FUNCTION_BUDGET = 20 * MB;
/** Our budget for a function that renders nothing. */
const PLAIN_FUNCTION_BUDGET = 12 * MB;

function files(dir: string): { path: string; bytes: number }[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const path = join(e.parentPath, e.name);
      return { path, bytes: statSync(path).size };
    });
}
const unzipped = (dir: string) => files(dir).reduce((n, f) => n + f.bytes, 0);
/** Deflate per file ≈ the size of the zip CDK uploads. */
const zipped = (dir: string) =>
  files(dir).reduce((n, f) => n + deflateRawSync(readFileSync(f.path)).length + 100, 0);

describe('Lambda bundles and the Chromium layer', () => {
  let outdir: string;
  const assets: Record<'layer' | 'render' | 'api', string> = { layer: '', render: '', api: '' };

  beforeAll(async () => {
    outdir = await mkdtemp(join(tmpdir(), 'bundle-test-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'BundleTest');
    const browser = new ChromiumLayer(stack, 'Chromium');
    const render = new BulletinFunction(stack, 'Render', {
      handler: 'scheduled-bulletin',
      description: 'bundle test',
      browser: browser.layer,
    });
    const api = new BulletinFunction(stack, 'Api', { handler: 'api', description: 'bundle test' });
    const assembly = app.synth();
    const template = assembly.getStackByName('BundleTest').template as {
      Resources: Record<
        string,
        { Properties: { Code?: Record<string, unknown>; Content?: Record<string, unknown> } }
      >;
    };
    // The asset directory of each resource, from its S3 key (`<hash>.zip`).
    const dirOf = (logicalId: string) => {
      const p = template.Resources[logicalId]!.Properties;
      const key = String((p.Code ?? p.Content)!['S3Key']);
      return join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
    };
    assets.layer = dirOf(stack.getLogicalId(browser.layer.node.defaultChild as never));
    assets.render = dirOf(stack.getLogicalId(render.fn.node.defaultChild as never));
    assets.api = dirOf(stack.getLogicalId(api.fn.node.defaultChild as never));
  }, 300_000);

  afterAll(async () => {
    if (outdir) await rm(outdir, { recursive: true, force: true });
  });

  it('the layer holds Chromium’s archives under chromium/bin and the four fonts under fonts/', () => {
    const bin = readdirSync(join(assets.layer, 'chromium', 'bin')).sort();
    expect(bin).toEqual(['al2023.tar.br', 'chromium.br', 'fonts.tar.br', 'swiftshader.tar.br']);
    const fonts = readdirSync(join(assets.layer, 'fonts')).sort();
    expect(fonts).toEqual(FONT_FILES.map((f) => f.file.slice(f.file.lastIndexOf('/') + 1)).sort());
  });

  it('a render function ships its code, templates and data, and no Chromium binary', () => {
    expect(existsSync(join(assets.render, 'templates', 'shared', 'print.css'))).toBe(true);
    expect(existsSync(join(assets.render, 'templates', 'torch-bulletin', 'bulletin.hbs'))).toBe(
      true,
    );
    expect(existsSync(join(assets.render, 'data', 'zones.json'))).toBe(true);
    expect(
      files(assets.render).filter((f) => f.path.endsWith('.br') || f.path.endsWith('.ttf')),
    ).toEqual([]);
    expect(existsSync(join(assets.render, 'node_modules'))).toBe(false);
    // @sparticuz/chromium's JavaScript is bundled (it is told where the layer's binaries are).
    const code = readFileSync(join(assets.render, 'index.mjs'), 'utf8');
    expect(code).not.toMatch(/from\s*["']@sparticuz\/chromium["']/);
    expect(code).toContain('BULLETIN_CHROMIUM_BIN_DIR');
    // The stamp of the code it was built from is compiled in (functions/app/code-stamp.ts):
    // a zone whose inputs are unchanged is skipped only by the build that printed it.
    expect(code).toContain(`"${sourcesHash(join(PROJECT_ROOT, 'functions')).slice(0, 32)}"`);
  });

  it('a non-render function ships only its code', () => {
    expect(readdirSync(assets.api)).toEqual(['index.mjs']);
  });

  it('the bundles load as ES modules on Node', () => {
    for (const dir of [assets.render, assets.api]) {
      const out = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(join(dir, 'index.mjs'))}); console.log(typeof m.handler);`,
        ],
        { encoding: 'utf8', env: { ...process.env, AWS_REGION: 'cn-north-1' } },
      );
      expect(out.trim()).toBe('function');
    }
  });

  it('sizes: function + layer under 250 MB unzipped; each function zip far under 50 MB', () => {
    const sizes = {
      layer: { unzipped: unzipped(assets.layer), zipped: zipped(assets.layer) },
      render: { unzipped: unzipped(assets.render), zipped: zipped(assets.render) },
      api: { unzipped: unzipped(assets.api), zipped: zipped(assets.api) },
    };
    expect(sizes.render.unzipped + sizes.layer.unzipped).toBeLessThan(UNZIPPED_LIMIT);
    expect(sizes.render.unzipped).toBeLessThan(RENDER_FUNCTION_BUDGET);
    expect(sizes.api.unzipped).toBeLessThan(PLAIN_FUNCTION_BUDGET);
    expect(sizes.render.zipped).toBeLessThan(DIRECT_UPLOAD_LIMIT);
    // The layer is Chromium (≈ 65 MB of brotli) and four CJK fonts: most of a render function.
    expect(sizes.layer.unzipped).toBeGreaterThan(60 * MB);
    const fmt = (s: { unzipped: number; zipped: number }) =>
      `${(s.unzipped / MB).toFixed(1)} MB unzipped, ≈${(s.zipped / MB).toFixed(1)} MB zipped`;
    console.info(
      `Chromium + fonts layer: ${fmt(sizes.layer)}; render function: ${fmt(sizes.render)}; ` +
        `API function: ${fmt(sizes.api)}`,
    );
  });
});
