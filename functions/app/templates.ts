/**
 * Handlebars templates: compiled once per process, rendered many times. Output is plain
 * HTML written next to nothing but itself; its style sheets are inlined from the templates
 * folder (`{{{styleSheet "shared/print.css"}}}`): a printed page then loads one file, not
 * four — each load of a print page is intercepted by the sandbox and waits for the Node thread.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Handlebars from 'handlebars';
import { loadPrintConfig } from '#config';
import { ConfigError } from '#errors';
import { MISSING, type Figure } from '#core/figures.ts';

/**
 * Where the templates live: `configured` (default `PrintConfig.templatesDir`, i.e.
 * `BULLETIN_TEMPLATES_DIR`, read by `config.ts`), else `templates/` beside a Lambda bundle,
 * else the repository's `templates/`.
 */
export function templatesDir(configured = loadPrintConfig().templatesDir): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [configured, join(here, 'templates'), resolve(here, '../../templates')].filter(
    (c): c is string => !!c,
  );
  const found = candidates.find((c) => existsSync(join(c, 'shared', 'print.css')));
  if (!found) throw new ConfigError(`找不到模板目录（查找了 ${candidates.join('、')}）`);
  return found;
}

const hbs = Handlebars.create();
hbs.registerHelper('fig', (f: Figure | undefined) => (f ? f.text : MISSING));
hbs.registerHelper('join', (list: unknown, sep: unknown) =>
  Array.isArray(list) ? list.map(String).join(typeof sep === 'string' ? sep : '、') : '',
);

/** Style sheets read once per process, by absolute path. */
const sheets = new Map<string, string>();
/**
 * A style sheet of the templates folder (`assetsDir` of the render), its text for a `<style>`
 * element (a `</style` in it could end the element early: refused).
 */
hbs.registerHelper(
  'styleSheet',
  function (this: unknown, path: unknown, options: Handlebars.HelperOptions) {
    const dir = (options.data as { root?: { assetsDir?: string } }).root?.assetsDir;
    if (typeof path !== 'string' || !dir) throw new ConfigError(`样式表 ${String(path)} 无法内嵌`);
    const file = resolve(dir, path);
    let text = sheets.get(file);
    if (text === undefined) {
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new ConfigError(`无法读取样式表 ${file}`, { cause: err });
      }
      if (/<\/style/i.test(text)) throw new ConfigError(`样式表 ${file} 含有 </style，不能内嵌`);
      sheets.set(file, text);
    }
    return new hbs.SafeString(text);
  },
);

const compiled = new Map<string, Handlebars.TemplateDelegate>();
const partialsLoaded = new Set<string>();

/**
 * Registers `shared/partials/*.hbs` (the layout every report kind shares: masthead, contents,
 * sections of blocks, notes, colophon) once per templates folder.
 */
async function loadPartials(dir: string): Promise<void> {
  if (partialsLoaded.has(dir)) return;
  const partialsDir = join(dir, 'shared', 'partials');
  const names = existsSync(partialsDir)
    ? (await readdir(partialsDir)).filter((f) => f.endsWith('.hbs'))
    : [];
  for (const name of names) {
    const source = await readFile(join(partialsDir, name), 'utf8');
    hbs.registerPartial(name.slice(0, -'.hbs'.length), hbs.compile(source));
  }
  partialsLoaded.add(dir);
}

/**
 * Compiles (once) and returns a template: `<folder>/<file>` (a report kind's, e.g.
 * `zone-profile/zone-profile`) or `<folder>` for `<folder>/<folder>.hbs` (`archive`).
 */
export async function loadTemplate(
  name: string,
  dir = templatesDir(),
): Promise<Handlebars.TemplateDelegate> {
  const key = `${dir}::${name}`;
  const cached = compiled.get(key);
  if (cached) return cached;
  const m = /^([a-z-]+)(?:\/([a-z-]+))?$/.exec(name);
  if (!m) throw new ConfigError(`未知的模板“${name}” (unknown template)`);
  await loadPartials(dir);
  const file = join(dir, m[1]!, `${m[2] ?? m[1]!}.hbs`);
  const source = await readFile(file, 'utf8').catch((err: unknown) => {
    throw new ConfigError(`无法读取模板 ${file}`, { cause: err });
  });
  // strict: a misspelt field in a template fails loudly instead of printing nothing.
  const template = hbs.compile(source, { strict: false, noEscape: false });
  compiled.set(key, template);
  return template;
}

/** Renders a view model to a complete HTML document. */
export async function renderHtml(
  template: string,
  view: object,
  dir = templatesDir(),
): Promise<string> {
  const compiledTemplate = await loadTemplate(template, dir);
  return compiledTemplate({ ...view, assets: pathToFileURL(dir).href, assetsDir: dir });
}
