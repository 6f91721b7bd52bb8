#!/usr/bin/env -S node --max-semi-space-size=32
// The `bulletin` command. Runs the CLI compiled by bin/build-cli.mjs (`npm install` builds it;
// it is rebuilt here when a source is newer), so a start compiles no TypeScript; without
// esbuild (a production install) it falls back to running the sources through tsx. The flags on
// the first line (and in the npm scripts that run it) are the product's V8 flags
// (functions/contract/node-flags.ts): `node bin/bulletin.mjs` without them runs with V8's defaults.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildCli, buildDirFor } from './build-cli.mjs';
import { sourceStamp } from './source-stamp.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// @sparticuz/chromium unpacks into $TMPDIR/chromium and reuses whatever binary it finds there
// without a version check: give each Chromium version its own folder under .local/.
if (!process.env.BULLETIN_KEEP_TMPDIR) {
  const { version } = JSON.parse(
    readFileSync(join(root, 'node_modules/@sparticuz/chromium/package.json'), 'utf8'),
  );
  const dir = join(root, '.local', 'tmp', `chromium-${version}`);
  mkdirSync(dir, { recursive: true });
  process.env.TMPDIR = dir;
}

// The pinned SDK runs on Node 20 (this machine); Lambda runs nodejs22.x. The notice that
// SDK releases after January 2027 need Node 22 is in the README, not on every run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function compiledEntry() {
  if (process.env.BULLETIN_NO_BUILD) return undefined;
  const stamp = sourceStamp(root);
  const dir = buildDirFor(stamp);
  if (existsSync(join(dir, 'main.js'))) return join(dir, 'main.js');
  try {
    return join(await buildCli({ stamp }), 'main.js');
  } catch (err) {
    if (process.env.BULLETIN_DEBUG) console.error('CLI build failed, running the sources:', err);
    return undefined;
  }
}

const entry = await compiledEntry();
let cli;
if (entry) {
  cli = await import(pathToFileURL(entry).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../functions/cli/main.ts');
}
// Not awaited: the process ends when nothing is left to do (a stopping local stack does not hold
// it), with the exit code run() set; a top-level await would end it with code 13 instead.
void cli.run();
