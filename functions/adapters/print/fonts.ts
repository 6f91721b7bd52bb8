/**
 * The Chinese fonts of the bulletin and the fontconfig set-up that makes Chromium use them.
 *
 * Chromium from `@sparticuz/chromium` has no CJK fonts: Chinese would print as empty boxes.
 * Web fonts (`@font-face`) do not reach the header/footer templates, so the fonts are made
 * available as *system* fonts instead: {@link prepareFontconfig} writes a `fonts.conf` that
 * lists the directories of the shipped TTF files and maps the generic families (`serif`,
 * `sans-serif`, `monospace`) to them. The browser is launched with `FONTCONFIG_PATH` /
 * `FONTCONFIG_FILE` pointing there (see `browser-pool.ts`), so templates can simply say
 * `font-family: 'Noto Serif SC', serif` — no `@font-face` needed (and no 15 MB font parse per
 * page).
 *
 * Every weight the templates use must be shipped (400 and 700): a weight that is missing is
 * synthesized by Chromium and ends up as Type 3 glyphs in the PDF.
 *
 * Where the TTF files come from, first match wins:
 * 1. the `fontDir` option (`PrintConfig.fontDir`, i.e. `BULLETIN_FONT_DIR`) — a flat directory
 *    holding the files named as in {@link FONT_FILES} (a Lambda bundle copies them there);
 * 2. the installed npm packages `@expo-google-fonts/noto-serif-sc` / `noto-sans-sc`;
 * 3. a `fonts/` directory next to this module (the bundled handler), if it has all files.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError } from '#errors';
import { escapeXml } from '../../core/escape.ts';
// The shipped files (npm package, path inside it, flat name in a font dir): in the contract.
import { FONT_FILES } from '../../contract/assets.ts';

/** CSS / fontconfig family names of the two shipped families. */
export const fontFamilies = { serif: 'Noto Serif SC', sans: 'Noto Sans SC' } as const;

export type FontStyleName = keyof typeof fontFamilies;

/** One shipped font file. */
export interface FontFile {
  /** Family name as CSS and fontconfig know it, e.g. `Noto Serif SC`. */
  family: string;
  style: FontStyleName;
  weight: 400 | 700;
  /** Absolute path of the TTF file. */
  path: string;
}

export interface FontOptions {
  /** Flat directory holding the TTF files (`BULLETIN_FONT_DIR`; overrides the npm packages). */
  fontDir?: string;
}

const baseName = (file: string): string => file.slice(file.lastIndexOf('/') + 1);

function fromDir(dir: string): FontFile[] {
  return FONT_FILES.map((f) => ({
    family: fontFamilies[f.style],
    style: f.style,
    weight: f.weight,
    path: resolve(dir, baseName(f.file)),
  }));
}

function fromPackages(): FontFile[] | undefined {
  const require = createRequire(import.meta.url);
  try {
    return FONT_FILES.map((f) => ({
      family: fontFamilies[f.style],
      style: f.style,
      weight: f.weight,
      path: require.resolve(`${f.pkg}/${f.file}`),
    }));
  } catch {
    return undefined;
  }
}

/**
 * The absolute paths of the four shipped font files (serif/sans × 400/700).
 * @throws ConfigError when a file is missing.
 */
export function fontFiles(options: FontOptions = {}): FontFile[] {
  const dir = options.fontDir;
  let files: FontFile[] | undefined;
  let source: string;
  if (dir) {
    files = fromDir(dir);
    source = `BULLETIN_FONT_DIR=${dir}`;
  } else {
    files = fromPackages();
    source = '@expo-google-fonts 字体包';
    if (!files) {
      const besideModule = join(dirname(fileURLToPath(import.meta.url)), 'fonts');
      files = fromDir(besideModule);
      source = `${besideModule}（未安装 @expo-google-fonts 字体包）`;
    }
  }
  const missing = files.filter((f) => !existsSync(f.path)).map((f) => f.path);
  if (missing.length > 0) {
    throw new ConfigError(
      `缺少字体文件（查找位置：${source}；请将 BULLETIN_FONT_DIR 设为含有 ` +
        `${FONT_FILES.map((f) => baseName(f.file)).join('、')} 的目录）：${missing.join('、')}`,
    );
  }
  return files;
}

/** The distinct directories holding the font files (what fontconfig scans). */
export function fontDirs(files: FontFile[]): string[] {
  return [...new Set(files.map((f) => dirname(f.path)))];
}

/**
 * `@font-face` rules that load the font files by `file://` URL. Only needed when a page must
 * not rely on the fontconfig set-up; works only for pages loaded from a `file://` URL.
 */
export function fontFaceCss(files: FontFile[]): string {
  return files
    .map(
      (f) =>
        `@font-face { font-family: '${f.family}'; font-style: normal; font-weight: ${f.weight}; ` +
        `src: url('${pathToFileURL(f.path).href}') format('truetype'); }`,
    )
    .join('\n');
}

/** The text of a `fonts.conf` that only knows the given fonts. */
export function fontsConf(files: FontFile[], cacheDir: string): string {
  const alias = (generic: string, family: string): string =>
    `  <alias binding="same">\n    <family>${generic}</family>\n` +
    `    <prefer><family>${escapeXml(family)}</family></prefer>\n  </alias>\n`;
  return (
    '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n' +
    '<!-- Written by torch-bulletin functions/adapters/print/fonts.ts; do not edit. -->\n' +
    '<fontconfig>\n' +
    fontDirs(files)
      .map((d) => `  <dir>${escapeXml(d)}</dir>\n`)
      .join('') +
    `  <cachedir>${escapeXml(cacheDir)}</cachedir>\n` +
    alias('serif', fontFamilies.serif) +
    alias('sans-serif', fontFamilies.sans) +
    alias('monospace', fontFamilies.sans) +
    // Anything unknown (system-ui, Arial, 宋体 …) falls back to the serif face, never to boxes.
    alias('system-ui', fontFamilies.sans) +
    `  <match target="pattern">\n    <edit name="family" mode="append_last" binding="weak">` +
    `<string>${escapeXml(fontFamilies.serif)}</string></edit>\n  </match>\n` +
    '</fontconfig>\n'
  );
}

export interface FontconfigSetup {
  files: FontFile[];
  /** Directory holding the written `fonts.conf`. */
  fontconfigPath: string;
  /** The written `fonts.conf`. */
  fontconfigFile: string;
  /** Variables to add to the browser's environment. */
  env: { FONTCONFIG_PATH: string; FONTCONFIG_FILE: string };
}

/**
 * Writes a `fonts.conf` for the shipped fonts under `cacheDir` (default
 * `$TMPDIR/torch-bulletin-fonts`) and returns the environment that makes fontconfig use it.
 * The file name depends on its content, so processes with different font dirs sharing a
 * `TMPDIR` do not overwrite each other; the write is atomic (temp file + rename).
 */
export async function prepareFontconfig(
  options: FontOptions & { cacheDir?: string } = {},
): Promise<FontconfigSetup> {
  const files = fontFiles(options);
  const root = options.cacheDir ?? join(tmpdir(), 'torch-bulletin-fonts');
  const text = fontsConf(files, join(root, 'cache'));
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
  const fontconfigPath = join(root, hash);
  const fontconfigFile = join(fontconfigPath, 'fonts.conf');
  const current = await readFile(fontconfigFile, 'utf8').catch(() => undefined);
  if (current !== text) {
    await mkdir(fontconfigPath, { recursive: true });
    const temp = `${fontconfigFile}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temp, text);
    await rename(temp, fontconfigFile);
  }
  return {
    files,
    fontconfigPath,
    fontconfigFile,
    env: { FONTCONFIG_PATH: fontconfigPath, FONTCONFIG_FILE: fontconfigFile },
  };
}

/** CJK Radicals Supplement and Kangxi Radicals: U+2E80–U+2FDF. */
export const isRadical = (cp: number): boolean => cp >= 0x2e80 && cp <= 0x2fdf;

/**
 * For every radical code point (U+2E80–U+2FDF) that a font draws with the same glyph as an
 * ordinary ideograph, that ideograph — e.g. U+2FBC ⾼ → U+9AD8 高, U+2EDA ⻚ → U+9875 页.
 *
 * Why: Noto CJK fonts map both code points to one glyph, and Chromium (Skia) writes the
 * *lowest* code point of a glyph into the PDF's ToUnicode map, so 高, 一, 页, 行 … would copy,
 * search and extract as radicals. `postprocess.ts` (`fixToUnicode`) rewrites those maps with this table.
 */
export async function radicalEquivalents(files: FontFile[]): Promise<Map<number, number>> {
  const table = new Map<number, number>();
  for (const file of files) {
    const cmap = await readCmap(file.path);
    const byGlyph = new Map<number, number>();
    for (const [cp, glyph] of cmap) {
      if (isRadical(cp) || (cp >= 0xf900 && cp <= 0xfaff) || cp >= 0x2f800) continue;
      const seen = byGlyph.get(glyph);
      // Prefer the basic block (U+4E00–U+9FFF) over extensions.
      if (seen === undefined || (!inUro(seen) && inUro(cp))) byGlyph.set(glyph, cp);
    }
    for (const [cp, glyph] of cmap) {
      if (!isRadical(cp) || table.has(cp)) continue;
      const ideograph = byGlyph.get(glyph);
      if (ideograph !== undefined) table.set(cp, ideograph);
    }
  }
  return table;
}

const inUro = (cp: number): boolean => cp >= 0x4e00 && cp <= 0x9fff;

/** Code point → glyph id from a TrueType/OpenType font's `cmap` (format 12, else format 4). */
async function readCmap(path: string): Promise<Map<number, number>> {
  const handle = await open(path, 'r');
  try {
    const read = async (offset: number, length: number): Promise<Buffer> => {
      const buf = Buffer.alloc(length);
      await handle.read(buf, 0, length, offset);
      return buf;
    };
    const head = await read(0, 12);
    const numTables = head.readUInt16BE(4);
    const dir = await read(12, numTables * 16);
    let cmapOffset = -1;
    let cmapLength = 0;
    for (let i = 0; i < numTables; i += 1) {
      if (dir.toString('latin1', i * 16, i * 16 + 4) === 'cmap') {
        cmapOffset = dir.readUInt32BE(i * 16 + 8);
        cmapLength = dir.readUInt32BE(i * 16 + 12);
      }
    }
    if (cmapOffset < 0) return new Map();
    const cmap = await read(cmapOffset, cmapLength);
    const subtables: { format: number; offset: number }[] = [];
    for (let i = 0; i < cmap.readUInt16BE(2); i += 1) {
      const offset = cmap.readUInt32BE(4 + i * 8 + 4);
      subtables.push({ format: cmap.readUInt16BE(offset), offset });
    }
    const result = new Map<number, number>();
    const f12 = subtables.find((s) => s.format === 12);
    if (f12) {
      const groups = cmap.readUInt32BE(f12.offset + 12);
      for (let g = 0; g < groups; g += 1) {
        const at = f12.offset + 16 + g * 12;
        const start = cmap.readUInt32BE(at);
        const end = cmap.readUInt32BE(at + 4);
        const glyph = cmap.readUInt32BE(at + 8);
        for (let cp = start; cp <= end; cp += 1) result.set(cp, glyph + cp - start);
      }
      return result;
    }
    const f4 = subtables.find((s) => s.format === 4);
    if (f4) {
      const o = f4.offset;
      const segs = cmap.readUInt16BE(o + 6) / 2;
      const ends = o + 14;
      const starts = ends + segs * 2 + 2;
      const deltas = starts + segs * 2;
      const rangeOffsets = deltas + segs * 2;
      for (let s = 0; s < segs; s += 1) {
        const end = cmap.readUInt16BE(ends + s * 2);
        const start = cmap.readUInt16BE(starts + s * 2);
        const delta = cmap.readInt16BE(deltas + s * 2);
        const rangeOffset = cmap.readUInt16BE(rangeOffsets + s * 2);
        for (let cp = start; cp <= end && cp !== 0xffff; cp += 1) {
          let glyph: number;
          if (rangeOffset === 0) glyph = (cp + delta) & 0xffff;
          else {
            const at = rangeOffsets + s * 2 + rangeOffset + (cp - start) * 2;
            const raw = cmap.readUInt16BE(at);
            glyph = raw === 0 ? 0 : (raw + delta) & 0xffff;
          }
          if (glyph !== 0) result.set(cp, glyph);
        }
      }
    }
    return result;
  } finally {
    await handle.close();
  }
}
