/**
 * The Chromium binary: `@sparticuz/chromium` ships it brotli-compressed inside the npm package;
 * unpacking takes ≈ 2 s, so it is unpacked once into a directory of its own and kept there.
 *
 * `@sparticuz/chromium`'s own `executablePath()` unpacks into `$TMPDIR/chromium` and reuses
 * whatever it finds there without a version check (DESIGN §7). Here the directory is named
 * after the package version, filled in a temporary sibling and renamed into place only when
 * complete, and a stamp (version + size of every packed file) must match before it is reused:
 * a half-written or stale unpack is never launched.
 */
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';
import tar from 'tar-fs';

/** The packed files Chromium needs on this machine (the al2023 libraries only on Lambda). */
const PACKED = ['chromium.br', 'swiftshader.tar.br'] as const;
const STAMP = '.unpacked';

export interface UnpackedChromium {
  executablePath: string;
  /** Whether this call unpacked it (false: a complete earlier unpack was reused). */
  unpacked: boolean;
  ms: number;
}

/** The folder of the installed `@sparticuz/chromium` package (its `exports` hide package.json). */
function packageDir(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium'));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'bin'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('找不到 @sparticuz/chromium 的包目录');
    dir = up;
  }
  return dir;
}

/**
 * The path of an unpacked Chromium under `root` (default `$TMPDIR/torch-bulletin-chromium`),
 * unpacking it first unless a complete unpack of the same package is already there.
 */
export async function unpackedChromium(root?: string): Promise<UnpackedChromium> {
  const t0 = performance.now();
  const pkg = packageDir();
  const { version } = JSON.parse(await readFile(join(pkg, 'package.json'), 'utf8')) as {
    version: string;
  };
  const bin = join(pkg, 'bin');
  const sizes = await Promise.all(
    PACKED.map(async (f) => `${f}:${(await stat(join(bin, f))).size}`),
  );
  const stamp = `@sparticuz/chromium ${version}\n${sizes.join('\n')}\n`;
  const base = root ?? join(tmpdir(), 'torch-bulletin-chromium');
  const dir = join(base, version);
  const executablePath = join(dir, 'chromium');
  const current = await readFile(join(dir, STAMP), 'utf8').catch(() => undefined);
  if (current === stamp && existsSync(executablePath)) {
    return { executablePath, unpacked: false, ms: performance.now() - t0 };
  }
  const temp = `${dir}.${process.pid}.${Date.now()}.tmp`;
  await mkdir(temp, { recursive: true, mode: 0o700 });
  try {
    await Promise.all([
      pipeline(
        createReadStream(join(bin, 'chromium.br'), { highWaterMark: 2 ** 22 }),
        createBrotliDecompress({ chunkSize: 2 ** 21 }),
        createWriteStream(join(temp, 'chromium'), { mode: 0o700 }),
      ),
      pipeline(
        createReadStream(join(bin, 'swiftshader.tar.br')),
        createBrotliDecompress(),
        tar.extract(temp),
      ),
    ]);
    await writeFile(join(temp, STAMP), stamp);
    await rm(dir, { recursive: true, force: true });
    await rename(temp, dir);
  } catch (e) {
    await rm(temp, { recursive: true, force: true });
    // Another process may have completed the same unpack meanwhile.
    if ((await readFile(join(dir, STAMP), 'utf8').catch(() => undefined)) !== stamp) throw e;
  }
  return { executablePath, unpacked: true, ms: performance.now() - t0 };
}
