/**
 * The render function's bundle, really built (local esbuild, no Docker) by synthesizing a
 * stack with the same BulletinFunction construct the deployment uses: it must carry Chromium
 * beside its own package, the fonts, the templates and the data, load as an ES module, and
 * fit Lambda's limits.
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
import { FONT_FILES } from '../../functions/contract/assets.ts';

const MB = 1024 * 1024;
/** Lambda: deployment package incl. layers, unzipped. */
const UNZIPPED_LIMIT = 250 * MB;
/** Lambda: zip uploaded directly (not through S3). */
const DIRECT_UPLOAD_LIMIT = 50 * MB;

function files(dir: string): { path: string; bytes: number }[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const path = join(e.parentPath, e.name);
      return { path, bytes: statSync(path).size };
    });
}

describe('render function bundle', () => {
  let outdir: string;
  let asset: string;
  let template: {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };

  beforeAll(async () => {
    outdir = await mkdtemp(join(tmpdir(), 'bundle-test-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'BundleTest');
    new BulletinFunction(stack, 'Render', {
      handler: 'scheduled-bulletin',
      description: 'bundle test',
      renders: true,
    });
    const assembly = app.synth();
    template = assembly.getStackByName('BundleTest').template as typeof template;
    const dirs = readdirSync(outdir).filter((d) => d.startsWith('asset.'));
    expect(dirs).toHaveLength(1);
    asset = join(outdir, dirs[0]!);
  }, 300_000);

  afterAll(async () => {
    if (outdir) await rm(outdir, { recursive: true, force: true });
  });

  it('ships Chromium as installed: its code with its bin/*.br beside it, and its dependencies', () => {
    const pkg = join(asset, 'node_modules', '@sparticuz', 'chromium');
    const bin = readdirSync(join(pkg, 'bin'));
    expect(bin).toEqual(expect.arrayContaining(['chromium.br', 'al2023.tar.br']));
    expect(bin.every((f) => f.endsWith('.br'))).toBe(true);
    expect(existsSync(join(pkg, 'build', 'esm', 'index.js'))).toBe(true);
    for (const dep of ['follow-redirects', 'tar-fs', 'tar-stream', 'pump']) {
      expect(existsSync(join(asset, 'node_modules', dep, 'package.json')), dep).toBe(true);
    }
    // Bundled code must not contain a copy of the package (its binary path would be wrong).
    const code = readFileSync(join(asset, 'index.mjs'), 'utf8');
    expect(code).toMatch(/from\s*["']@sparticuz\/chromium["']/);
  });

  it('ships the four font files, the templates and the data', () => {
    const fonts = readdirSync(join(asset, 'fonts')).sort();
    expect(fonts).toEqual(FONT_FILES.map((f) => f.file.slice(f.file.lastIndexOf('/') + 1)).sort());
    expect(existsSync(join(asset, 'templates', 'shared', 'print.css'))).toBe(true);
    expect(existsSync(join(asset, 'templates', 'torch-bulletin', 'bulletin.hbs'))).toBe(true);
    expect(existsSync(join(asset, 'data', 'schedules.json'))).toBe(true);
    expect(existsSync(join(asset, 'data', 'zones.json'))).toBe(true);
  });

  it('loads as an ES module on Node (createRequire banner, external Chromium resolved)', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(join(asset, 'index.mjs'))}); console.log(typeof m.handler);`,
      ],
      { encoding: 'utf8', env: { ...process.env, AWS_REGION: 'cn-north-1' } },
    );
    expect(out.trim()).toBe('function');
  });

  it('stays under 250 MB unzipped and is deployed through S3 (its zip exceeds 50 MB)', () => {
    const all = files(asset);
    const unzipped = all.reduce((n, f) => n + f.bytes, 0);
    expect(unzipped).toBeLessThan(UNZIPPED_LIMIT);
    // Deflate per file ≈ the size of the zip CDK uploads.
    const zipped = all.reduce((n, f) => n + deflateRawSync(readFileSync(f.path)).length + 100, 0);
    expect(zipped).toBeGreaterThan(0);
    const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function');
    const code = fn!.Properties['Code'] as Record<string, unknown>;
    // Chromium alone is ≈ 64 MB of brotli: too big for a direct upload (DIRECT_UPLOAD_LIMIT),
    // so the code must come from the CDK asset bucket.
    expect(zipped).toBeGreaterThan(DIRECT_UPLOAD_LIMIT);
    expect(code).toHaveProperty('S3Bucket');
    expect(code).toHaveProperty('S3Key');
    expect(code).not.toHaveProperty('ZipFile');
    console.info(
      `render bundle: ${(unzipped / MB).toFixed(1)} MB unzipped, ≈${(zipped / MB).toFixed(1)} MB zipped, ` +
        `index.mjs ${(statSync(join(asset, 'index.mjs')).size / MB).toFixed(1)} MB`,
    );
  });
});
