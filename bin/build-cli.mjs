#!/usr/bin/env node
// Compiles the CLI (functions/**/*.ts) into one ESM bundle with a chunk per command under
// .local/build/cli, so `bulletin` starts without compiling TypeScript. The local stores' process
// (functions/local/stack-host.ts) is a second entry of the same build (`stack-host.js`): the
// built CLI starts it without tsx; its path is compiled into local/stack.ts (the define of
// BULLETIN_STACK_HOST_JS below). Run from the sources (tests, tsx), stack.ts starts the host
// through tsx unless that variable names a built host. `npm install` runs it
// (the `prepare` script); bin/bulletin.mjs runs it again when a source is newer than the build.
// node_modules stay external. Each module keeps its own import.meta.url / dirname (rewritten to
// the source file's), so paths computed from a module's location (templates, data, fonts) are
// the same as when the sources run through tsx.
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BUILDS_DIR = join(ROOT, '.local', 'build', 'cli');

/**
 * The folder of the build for a source stamp. Each stamp gets its own folder, so a process that
 * is still loading chunks of an older build never sees them replaced under it.
 */
export function buildDirFor(stamp) {
  const key = createHash('sha256').update(JSON.stringify(stamp)).digest('hex').slice(0, 16);
  return join(BUILDS_DIR, key);
}

/** Builds the bundle for `stamp` into its folder (atomically: a temp folder renamed). */
export async function buildCli({ stamp }) {
  const esbuild = await import('esbuild');
  mkdirSync(BUILDS_DIR, { recursive: true });
  const target = buildDirFor(stamp);
  const temp = `${target}.${process.pid}.${Date.now()}.tmp`;
  const keepModuleLocation = {
    name: 'keep-module-location',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        const url = JSON.stringify(pathToFileURL(args.path).href);
        const dir = JSON.stringify(dirname(args.path));
        const file = JSON.stringify(args.path);
        return {
          contents: source
            .replaceAll('import.meta.url', url)
            .replaceAll('import.meta.dirname', dir)
            .replaceAll('import.meta.filename', file),
          loader: 'ts',
        };
      });
    },
  };
  await esbuild.build({
    entryPoints: [
      join(ROOT, 'functions/cli/main.ts'),
      join(ROOT, 'functions/local/stack-host.ts'),
      // The install's own step: Chromium unpacked where the CLI keeps it (below).
      join(ROOT, 'functions/adapters/print/executable.ts'),
    ],
    outdir: temp,
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'error',
    define: {
      'process.env.BULLETIN_STACK_HOST_JS': JSON.stringify(join(target, 'stack-host.js')),
    },
    plugins: [keepModuleLocation],
  });
  writeFileSync(join(temp, 'stamp.json'), JSON.stringify(stamp));
  try {
    renameSync(temp, target);
  } catch {
    // Another process built the same sources first: its build is the same as ours.
    rmSync(temp, { recursive: true, force: true });
  }
  // Builds of older sources go once nobody can still be loading them (an hour on).
  for (const name of readdirSync(BUILDS_DIR)) {
    const dir = join(BUILDS_DIR, name);
    if (dir === target) continue;
    try {
      if (Date.now() - statSync(dir).mtimeMs > 3_600_000)
        rmSync(dir, { recursive: true, force: true });
    } catch {
      /* removed by another process */
    }
  }
  return target;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { sourceStamp } = await import('./source-stamp.mjs');
  const dir = await buildCli({ stamp: sourceStamp(ROOT) });
  console.error(`已编译命令行工具 (CLI)：${dir}`);
  // Chromium unpacked now (≈ 2 s), where the CLI keeps it (functions/cli/main.ts), so that the
  // first `npm start` after `npm install` finds it ready; a failure leaves it to the first print.
  if (!process.env.BULLETIN_SKIP_CHROMIUM_UNPACK) {
    try {
      const { unpackedChromium } = await import(pathToFileURL(join(dir, 'executable.js')).href);
      const found = await unpackedChromium(
        process.env.BULLETIN_CHROMIUM_DIR ?? join(ROOT, '.local', 'chromium'),
      );
      console.error(
        found.unpacked
          ? `已解压 Chromium（${(found.ms / 1000).toFixed(1)} 秒）：${found.executablePath}`
          : `Chromium 已就绪：${found.executablePath}`,
      );
    } catch (err) {
      console.error(`未能预先解压 Chromium（首次打印时再解压）：${err?.message ?? err}`);
    }
  }
}
