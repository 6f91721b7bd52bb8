/**
 * Issue 16.4: the help is Chinese, technical terms kept in English. Every registered command
 * (all of COMMANDS, each module loaded and registered as `bulletin <name>` would) is walked:
 * its description, every option's and argument's help, and its formatted help — commander's
 * own headings included. An English-only text fails.
 */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { chineseError } from '#cli/help.ts';
import { cli, COMMANDS, program } from '#cli/main.ts';

const HAN = /\p{Script=Han}/u;

/** Every command once, as the CLI registers it (some modules register several commands). */
let registered: Promise<Command[]> | undefined;
const registerAll = () => (registered ??= register());

async function register(): Promise<Command[]> {
  const modules = new Set<{ register(program: Command, c: typeof cli): void }>();
  for (const entry of Object.values(COMMANDS)) modules.add(await entry.load());
  for (const m of modules) m.register(program, cli);
  const all: Command[] = [];
  const walk = (c: Command) => {
    all.push(c);
    c.commands.forEach(walk);
  };
  walk(program);
  return all;
}

/** What a person reads in one command's help, each text with where it comes from. */
function texts(command: Command): [string, string][] {
  const name = command === program ? 'bulletin' : `bulletin ${command.name()}`;
  return [
    [`${name}: description`, command.description()],
    ...command.options.map((o): [string, string] => [`${name} ${o.flags}`, o.description]),
    ...command.registeredArguments.map((a): [string, string] => [
      `${name} <${a.name()}>`,
      a.description,
    ]),
  ];
}

describe('help in Chinese', () => {
  it('every registered command, option and argument has Chinese help', async () => {
    const commands = await registerAll();

    const englishOnly = commands
      .flatMap(texts)
      .filter(([, text]) => !HAN.test(text))
      .map(([where, text]) => `${where}: ${JSON.stringify(text)}`);

    expect(commands.flatMap((c) => [c.name(), ...c.aliases()])).toEqual(
      expect.arrayContaining(['bulletin', ...Object.keys(COMMANDS)]),
    );
    expect(englishOnly).toEqual([]);
  });

  it("commander's own words are Chinese in every command's help", async () => {
    for (const command of await registerAll()) {
      const help = command.helpInformation();
      expect(help, command.name()).toMatch(/^用法：/);
      expect(help, command.name()).toMatch(/^选项：$/m);
      expect(help, command.name()).not.toMatch(
        /^(Usage|Options|Commands|Arguments|Global Options):|\((default|choices): /m,
      );
    }
  });

  it('lines up and wraps Chinese text by the columns a terminal shows', async () => {
    await registerAll();
    const list = program.commands.find((c) => c.name() === 'list')!;
    const help = list.helpInformation({ error: false });
    // Each option's text starts in the same column (a Chinese character is two columns wide).
    const starts = help
      .split('\n')
      .filter((l) => /^ {2}-/.test(l))
      .map((l) => /^( {2}\S.*?\s{2,})\S/.exec(l)![1]!)
      .map((term) => term.replace(/\p{Script=Han}/gu, 'xx').length);
    expect(new Set(starts).size).toBe(1);
  });

  it("translates commander's usage errors and keeps the suggestion", () => {
    expect(chineseError("error: unknown command 'lst'\n(Did you mean list?)")).toBe(
      '错误：没有命令 lst\n（是否想用 list？）',
    );
    expect(
      chineseError(
        "error: option '--kind <类型>' argument 'x' is invalid. Allowed choices are a, b.",
      ),
    ).toBe("错误：选项 --kind <类型> 的值 'x' 不在可选值中：a, b");
    expect(chineseError("error: missing required argument 'files'")).toBe('错误：缺少参数 <files>');
    expect(chineseError('bulletin: something else')).toBe('bulletin: something else');
  });
});
