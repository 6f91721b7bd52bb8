// What the CLI build depends on, cheaply: the newest mtime and the count of the TypeScript and
// JSON sources under functions/ and data/, plus package.json, the build script itself (what it
// builds: its entries) and the repository path.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function sourceStamp(root) {
  let newest = Math.max(
    statSync(join(root, 'package.json')).mtimeMs,
    statSync(join(root, 'bin', 'build-cli.mjs')).mtimeMs,
  );
  let files = 0;
  for (const top of ['functions', 'data']) {
    for (const entry of readdirSync(join(root, top), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !/\.(ts|json)$/.test(entry.name)) continue;
      files += 1;
      const m = statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs;
      if (m > newest) newest = m;
    }
  }
  return { root, newest, files, node: process.versions.node.split('.')[0] };
}
