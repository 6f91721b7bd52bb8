#!/usr/bin/env node
// The `bulletin` command: runs the TypeScript CLI through tsx (no build step).
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

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
register();
await import('../functions/cli/main.ts');
