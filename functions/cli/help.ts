/**
 * The CLI's help in Chinese, technical terms kept in English: commander's own words (Usage,
 * Options, Commands, default, choices …) and its usage errors. Command and option texts are
 * written in Chinese where each command is defined (`commands/*.ts`); flag and command names
 * stay as they are. `tests/unit/cli-help.test.ts` walks every command's help and fails on a
 * text with no Chinese in it.
 */
import type { Argument, Help, Option } from 'commander';
import stringWidth from 'string-width';

/** commander's headings (styleTitle is called with each). */
const TITLES: Record<string, string> = {
  'Usage:': '用法：',
  'Arguments:': '参数：',
  'Options:': '选项：',
  'Global Options:': '全局选项：',
  'Commands:': '命令：',
};

const show = (value: unknown) => JSON.stringify(value);

// Line breaks as Chinese text takes them: between any two characters, but never before a
// closing mark (，。）…) nor after an opening one (（《…); Latin words stay whole.
const OPEN = '（《「『“‘';
const CLOSE = '，。、；：！？）》」』”’';
const WIDE = '\\p{Script=Han}\\u3000-\\u303f\\uff00-\\uffef';
const CHUNK = new RegExp(`\\s*[${OPEN}]*(?:[${WIDE}]|[^\\s${WIDE}]+)[${CLOSE}]*`, 'gu');

/** commander's boxWrap with the chunks above instead of words between spaces. */
function wrapChinese(this: Help, text: string, width: number): string {
  if (width < this.minWidthToWrap) return text;
  const lines: string[] = [];
  for (const raw of text.split(/\r\n|\n/)) {
    const chunks = raw.match(CHUNK);
    if (!chunks) {
      lines.push('');
      continue;
    }
    let line = chunks.shift()!;
    for (const chunk of chunks) {
      if (stringWidth(line + chunk) <= width) line += chunk;
      else {
        lines.push(line);
        line = chunk.trimStart();
      }
    }
    lines.push(line);
  }
  return lines.join('\n');
}

/** What commander appends to a description: choices, default, preset, environment variable. */
function extras(
  item: Pick<Option, 'argChoices' | 'defaultValue' | 'defaultValueDescription'>,
  showDefault: boolean,
  more: string[] = [],
): string[] {
  const out: string[] = [];
  if (item.argChoices) out.push(`可选：${item.argChoices.map(show).join(', ')}`);
  if (item.defaultValue !== undefined && showDefault)
    out.push(`默认：${item.defaultValueDescription || show(item.defaultValue)}`);
  return [...out, ...more];
}

const withExtras = (description: string, info: string[]) =>
  info.length ? `${description}（${info.join('；')}）` : description;

/** `program.configureHelp(chineseHelp)`: subcommands inherit it. */
export const chineseHelp: Partial<Help> = {
  showGlobalOptions: true,
  // Columns as a terminal shows them: a Chinese character takes two (commander counts one).
  displayWidth: (text: string) => stringWidth(text),
  boxWrap: wrapChinese,
  styleTitle: (title: string) => TITLES[title] ?? title,
  optionDescription(option: Option): string {
    const showDefault =
      option.required ||
      option.optional ||
      (option.isBoolean() && typeof option.defaultValue === 'boolean');
    const more: string[] = [];
    if (option.presetArg !== undefined && option.optional)
      more.push(`不带值时：${show(option.presetArg)}`);
    if (option.envVar !== undefined) more.push(`环境变量：${option.envVar}`);
    return withExtras(option.description, extras(option, showDefault, more));
  },
  argumentDescription(argument: Argument): string {
    return withExtras(argument.description, extras(argument, true));
  },
};

/** commander's usage errors, in the same words as the help. Unknown ones pass unchanged. */
const ERRORS: [RegExp, (...m: string[]) => string][] = [
  [/^error: unknown command '(.+)'/, (c) => `错误：没有命令 ${c}`],
  [/^error: unknown option '(.+)'/, (o) => `错误：没有选项 ${o}`],
  [/^error: missing required argument '(.+)'/, (a) => `错误：缺少参数 <${a}>`],
  [/^error: option '(.+)' argument missing/, (o) => `错误：选项 ${o} 需要一个值`],
  [/^error: required option '(.+)' not specified/, (o) => `错误：缺少必需的选项 ${o}`],
  [
    /^error: option '(.+)' argument '(.*)' is invalid\. Allowed choices are (.+)\.$/,
    (o, v, c) => `错误：选项 ${o} 的值 '${v}' 不在可选值中：${c}`,
  ],
  [
    /^error: option '(.+)' argument '(.*)' is invalid\. (.+)$/,
    (o, v, why) => `错误：选项 ${o} 的值 '${v}' 无效：${why}`,
  ],
  [
    /^error: command-argument value '(.*)' is invalid for argument '(.+)'\. (.+)$/,
    (v, a, why) => `错误：参数 <${a}> 的值 '${v}' 无效：${why}`,
  ],
  [
    /^error: too many arguments(?: for '(.+)')?\. Expected (\d+) arguments? but got (\d+)\./,
    (c, n, got) => `错误：${c ? `${c} ` : ''}参数太多：应为 ${n} 个，得到 ${got} 个`,
  ],
];

/** One commander error text (`error: …` plus an optional `(Did you mean …?)` line). */
export function chineseError(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const mean = /^\(Did you mean (?:one of )?(.+)\?\)$/.exec(line.trim());
      if (mean) return `（是否想用 ${mean[1]}？）`;
      for (const [pattern, say] of ERRORS) {
        const m = pattern.exec(line);
        if (m) return say(...m.slice(1).map((s) => s ?? ''));
      }
      return line;
    })
    .join('\n');
}
