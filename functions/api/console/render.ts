/**
 * The console's templates (`templates/console/*.hbs`, partials in `templates/console/partials/`):
 * one Handlebars instance, each template compiled once. Times are shown in Beijing time with the
 * zone named; every value is escaped by Handlebars.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { ConfigError } from '../../errors.ts';
import { formatBeijing, isoBeijing } from '../../core/time.ts';
import { templatesDir } from '../../app/templates.ts';

const hbs = Handlebars.create();

/**
 * `{{time iso}}`: `<time datetime="2026-12-06T10:48:00+08:00">2026-12-06 10:48 北京时间</time>`
 * (core/time.ts, the one formatter of times people read; kept on one line by the stylesheet).
 */
hbs.registerHelper('time', (iso: unknown) =>
  typeof iso === 'string' || iso instanceof Date
    ? new hbs.SafeString(
        `<time datetime="${isoBeijing(iso)}">${hbs.escapeExpression(formatBeijing(iso))}</time>`,
      )
    : '',
);
/** Where an action came from, in words (`{{via via}}`): the console, the CLI, the API. */
const VIA: Record<string, string> = { console: '编辑部', cli: '命令行', api: 'API' };
hbs.registerHelper('via', (via: unknown) => (typeof via === 'string' ? (VIA[via] ?? via) : ''));
/**
 * What started a run or made a draft, in words (`{{trigger trigger}}`): the stored trigger is the
 * machine's (`cli`, `schedule monthly-bulletin`, `api (local-operator)`); the id stays beside it.
 */
const TRIGGER: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/^cli$/, () => '命令行'],
  [/^npm start$/, () => '首次运行（npm start）'],
  [/^schedule (.+)$/, (m) => `定时任务 ${m[1]}`],
  [/^api$/, () => 'API'],
  [/^api \((.+)\)$/, (m) => `API（${m[1]}）`],
  [/^all-zones batch$/, () => '全部园区批量运行'],
  [/^correct (.+)$/, (m) => `修订 ${m[1]}`],
  [/^invocation$/, () => '直接调用（invocation）'],
];
/** A stored trigger in words; anything else (a person's name) unchanged. */
export function triggerWords(t: string): string {
  for (const [re, words] of TRIGGER) {
    const m = t.match(re);
    if (m) return words(m);
  }
  return t;
}
/**
 * Who released an edition, in words (`{{releasedBy …}}`): a release nobody reviewed is stored as
 * its trigger and why (`cli（该刊无需审核）`, `schedule monthly-bulletin（该刊无需审核）`); the
 * trigger is put in words as the runs page does, a person's name stays as it is.
 */
export function releasedByWords(by: string): string {
  const m = by.match(/^([^（]+)（(.*)）$/su);
  // `npm start（首次运行，免审）` already reads as words.
  if (!m || m[1] === 'npm start') return m ? by : triggerWords(by);
  return `${triggerWords(m[1]!)}（${m[2]}）`;
}
hbs.registerHelper('trigger', (t: unknown) => (typeof t === 'string' ? triggerWords(t) : ''));
hbs.registerHelper('releasedBy', (by: unknown) =>
  typeof by === 'string' ? releasedByWords(by) : '',
);
/**
 * What an action was done to, for people (`{{target …}}`): the record keeps a typed key
 * (`schedule:monthly-bulletin`, `account:王编辑`); issue, draft and run ids stay as they are.
 */
const TARGET_KINDS: Record<string, string> = {
  schedule: '定时任务',
  account: '账号',
  calendar: '发布日期',
  mail: '邮件',
};
export function targetWords(target: string): string {
  const m = target.match(/^([a-z]+):(.+)$/su);
  const kind = m ? TARGET_KINDS[m[1]!] : undefined;
  return kind ? `${kind} ${m![2]}` : target;
}
hbs.registerHelper('target', (t: unknown) => (typeof t === 'string' ? targetWords(t) : ''));
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hbs.registerHelper('any', (...args: unknown[]) =>
  args.slice(0, -1).some((a) => Array.isArray(a) && a.length > 0),
);
hbs.registerHelper('size', (list: unknown) => (Array.isArray(list) ? list.length : 0));

let loaded: Promise<string> | undefined;
const compiled = new Map<string, Handlebars.TemplateDelegate>();

async function loadPartials(): Promise<string> {
  const dir = join(templatesDir(), 'console');
  const partials = join(dir, 'partials');
  if (!existsSync(partials)) throw new ConfigError(`找不到控制台模板 (console templates)：${dir}`);
  for (const f of (await readdir(partials)).filter((n) => n.endsWith('.hbs')))
    hbs.registerPartial(f.slice(0, -4), await readFile(join(partials, f), 'utf8'));
  return dir;
}

/** Renders `templates/console/<name>.hbs` with a view (the layout partial wraps each page). */
export async function renderConsole(name: string, view: object): Promise<string> {
  const dir = await (loaded ??= loadPartials());
  let t = compiled.get(name);
  if (!t) {
    if (!/^[a-z-]+$/.test(name)) throw new ConfigError(`未知的控制台模板 "${name}"`);
    t = hbs.compile(await readFile(join(dir, `${name}.hbs`), 'utf8'), { strict: false });
    compiled.set(name, t);
  }
  return t(view);
}

let css: Promise<string> | undefined;
/** The console's one stylesheet. */
export function consoleCss(): Promise<string> {
  return (css ??= readFile(join(templatesDir(), 'console', 'console.css'), 'utf8'));
}
