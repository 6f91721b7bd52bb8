/**
 * How the Lambda bundles are built: esbuild from this machine's node_modules (no Docker), one
 * ESM file per handler (the JavaScript of @sparticuz/chromium included: it is told where its
 * binaries are), plus — for the functions that compose reports — the files read at run time:
 *
 *   index.mjs                      the handler and everything it imports
 *   templates/                     Handlebars templates and CSS (templates.ts)
 *   data/                          the reference data and schedules
 *
 * Chromium's binaries and the fonts are not in any bundle: they are in the one shared layer
 * (constructs/chromium-layer.ts). Nothing is downloaded: the copies come from the repository
 * and its node_modules, so `cdk synth` works offline.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { FONT_FILES } from '../functions/contract/assets.ts';
import { sourcesHash } from '../functions/contract/code-stamp.ts';

/** The repository root (where package.json and package-lock.json are). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Paths inside a report function's bundle (`/var/task/…` on Lambda). */
export const BUNDLE_PATHS = {
  templates: 'templates',
  data: 'data',
} as const;

// ESM bundles have no `require`; puppeteer-core and some SDK code call it.
const ESM_REQUIRE_BANNER =
  "import { createRequire as __bulletinCreateRequire } from 'node:module';" +
  'const require = __bulletinCreateRequire(import.meta.url);';

/** Directory of an installed package (found from the project root). */
export function packageDirOf(name: string): string {
  const dir = packageDir(name);
  if (!dir) throw new Error(`[infra] package ${name} is not installed; run npm ci`);
  return dir;
}

function packageDir(name: string, from = PROJECT_ROOT): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Absolute paths of the shipped font files. */
export function fontFilePaths(): string[] {
  const require = createRequire(join(PROJECT_ROOT, 'package.json'));
  return FONT_FILES.map((f) => require.resolve(`${f.pkg}/${f.file}`));
}

const quote = (p: string): string => `'${p.replace(/'/g, `'\\''`)}'`;

/** Shell commands that copy the templates and the data into a bundle. */
export function reportAssetCommands(outputDir: string): string[] {
  const out = quote(outputDir);
  return [
    `cp -R ${quote(join(PROJECT_ROOT, 'templates'))} ${out}/${BUNDLE_PATHS.templates}`,
    `cp -R ${quote(join(PROJECT_ROOT, 'data'))} ${out}/${BUNDLE_PATHS.data}`,
  ];
}

/** The stamp of the sources a bundle is built from (see functions/contract/code-stamp.ts). */
let stamp: string | undefined;
const codeStamp = () => (stamp ??= sourcesHash(join(PROJECT_ROOT, 'functions')).slice(0, 32));

/**
 * esbuild options for a handler. `reportAssets`: the templates and data are copied beside it
 * (the functions that compose or render reports).
 */
export function bundlingFor(opts: { reportAssets: boolean }): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: 'node22',
    mainFields: ['module', 'main'],
    banner: ESM_REQUIRE_BANNER,
    minify: true,
    // No keepNames: its __name() helper is injected into functions that puppeteer serializes
    // into the page (page.evaluate), where it does not exist ("s is not defined" when minified).
    keepNames: false,
    sourceMap: false,
    // The AWS SDK v3 in the runtime may differ from the tested one: ship ours.
    bundleAwsSDK: true,
    // What code composed a report (part of the key that lets the all-zones plan skip a zone).
    define: {
      'process.env.BULLETIN_CODE_STAMP': JSON.stringify(codeStamp()),
    },
    forceDockerBundling: false,
    ...(opts.reportAssets
      ? {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (_inputDir: string, outputDir: string) => reportAssetCommands(outputDir),
          },
        }
      : {}),
  };
}
