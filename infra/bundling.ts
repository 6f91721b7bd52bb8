/**
 * How the Lambda bundles are built: esbuild from this machine's node_modules (no Docker), one
 * ESM file per handler, plus — for the functions that render — the files Chromium needs at
 * run time copied beside it:
 *
 *   index.mjs                      the handler and everything it imports, except Chromium
 *   node_modules/@sparticuz/…      Chromium's package as installed (its bin/*.br must stay
 *                                  beside its code), with its runtime dependencies
 *   fonts/*.ttf                    the four CJK font files (fonts.ts, BULLETIN_FONT_DIR)
 *   templates/                     Handlebars templates and CSS (templates.ts)
 *   data/                          the reference data and schedules
 *
 * Nothing is downloaded: the copies come from the repository and its node_modules, so
 * `cdk synth` works offline.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { CHROMIUM_PACKAGE, FONT_FILES } from '../functions/contract/assets.ts';

/** The repository root (where package.json and package-lock.json are). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Paths inside a render function's bundle (`/var/task/…` on Lambda). */
export const BUNDLE_PATHS = {
  fonts: 'fonts',
  templates: 'templates',
  data: 'data',
} as const;

// ESM bundles have no `require`; puppeteer-core and some SDK code call it.
const ESM_REQUIRE_BANNER =
  "import { createRequire as __bulletinCreateRequire } from 'node:module';" +
  'const require = __bulletinCreateRequire(import.meta.url);';

/** Directory of an installed package (found from the project root). */
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

/**
 * An installed package and every package it needs at run time (dependencies, and optional
 * dependencies that are installed), as `[name, directory]` pairs.
 */
export function runtimeClosure(name: string): [string, string][] {
  const found = new Map<string, string>();
  const visit = (pkg: string, from: string, optional: boolean): void => {
    if (found.has(pkg)) return;
    const dir = packageDir(pkg, from);
    if (!dir) {
      if (optional) return;
      throw new Error(`[infra] package ${pkg} is not installed (needed by ${name}); run npm ci`);
    }
    found.set(pkg, dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(manifest.optionalDependencies ?? {})) visit(dep, dir, true);
  };
  visit(name, PROJECT_ROOT, false);
  return [...found];
}

/** Absolute paths of the shipped font files. */
export function fontFilePaths(): string[] {
  const require = createRequire(join(PROJECT_ROOT, 'package.json'));
  return FONT_FILES.map((f) => require.resolve(`${f.pkg}/${f.file}`));
}

const quote = (p: string): string => `'${p.replace(/'/g, `'\\''`)}'`;

/** Shell commands that copy Chromium, fonts, templates and data into a bundle. */
export function renderAssetCommands(outputDir: string): string[] {
  const out = quote(outputDir);
  const commands = [
    `mkdir -p ${out}/${BUNDLE_PATHS.fonts} ${out}/node_modules`,
    ...fontFilePaths().map((f) => `cp ${quote(f)} ${out}/${BUNDLE_PATHS.fonts}/`),
    `cp -R ${quote(join(PROJECT_ROOT, 'templates'))} ${out}/${BUNDLE_PATHS.templates}`,
    `cp -R ${quote(join(PROJECT_ROOT, 'data'))} ${out}/${BUNDLE_PATHS.data}`,
  ];
  for (const [name, dir] of runtimeClosure(CHROMIUM_PACKAGE)) {
    commands.push(
      `mkdir -p ${out}/node_modules/${name}`,
      `cp -R ${quote(dir)}/. ${out}/node_modules/${name}/`,
    );
  }
  return commands;
}

/**
 * esbuild options for a handler. `renders`: Chromium stays external and is copied in with
 * the fonts, templates and data; the other functions never launch a browser, so whatever of
 * Chromium's JavaScript their imports reach is simply bundled.
 */
export function bundlingFor(opts: { renders: boolean }): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: 'node22',
    mainFields: ['module', 'main'],
    banner: ESM_REQUIRE_BANNER,
    minify: true,
    // Readable names in stack traces without shipping (and parsing at start) a source map.
    keepNames: true,
    sourceMap: false,
    // The AWS SDK v3 in the runtime may differ from the tested one: ship ours.
    bundleAwsSDK: true,
    externalModules: opts.renders ? [CHROMIUM_PACKAGE] : [],
    forceDockerBundling: false,
    ...(opts.renders
      ? {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (_inputDir: string, outputDir: string) => renderAssetCommands(outputDir),
          },
        }
      : {}),
  };
}
