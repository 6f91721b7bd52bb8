/**
 * `bulletin` — the command line of Torch Bulletin. By default every command runs against the
 * embedded stack (dynalite + s3rver, data under `.local/state`); with `--target aws` it uses
 * the AWS SDK's standard configuration instead (real AWS, or any compatible server named by
 * AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_S3).
 *
 * Commands load lazily: only the module of the command being run is imported (with its AWS
 * SDK, Chromium or ECharts), so `--help`, `--version` and light commands start fast. A new
 * command is one module in `commands/` with `register(program, cli)` and one line below.
 * Help is in Chinese, technical terms in English (`help.ts`).
 *
 * Exit codes (README "Command line"): 0 done; 1 the work failed (a store, the renderer, the
 * network); 2 the input was wrong (arguments, files, names); 130 interrupted (Ctrl-C).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { createCli, ROOT, type Cli } from './context.ts';
import { EXIT, exitCodeOf, formatError } from './errors.ts';
import { chineseError, chineseHelp } from './help.ts';

export interface CommandEntry {
  /** Shown in `bulletin --help` before the module is loaded. */
  summary: string;
  load: () => Promise<{ register(program: Command, cli: Cli): void }>;
}

export const COMMANDS: Record<string, CommandEntry> = {
  start: {
    summary:
      '一步到位：建表、数据为空时载入 data/、生成当期《火炬动态》（首期直接发布，之后为待审稿件；npm start 即此命令）',
    load: () => import('./commands/start.ts'),
  },
  ingest: {
    summary: '校验并载入一批 CSV/JSON 指标记录与编辑稿件（整批成功或整批不写入）',
    load: () => import('./commands/ingest.ts'),
  },
  preview: {
    summary: '预览：生成 HTML 与 PDF 到本地文件夹，不编号、不发布',
    load: () => import('./commands/preview.ts'),
  },
  generate: {
    summary:
      '触发报告：生成待审稿件（无需审核的刊物或 --release 立即发布；--kind torch-bulletin | zone-profile | regional-report | indicator-flash）',
    load: () => import('./commands/generate.ts'),
  },
  list: {
    summary: '列出目录中的各期（最新在前；--json 供脚本使用）',
    load: () => import('./commands/list.ts'),
  },
  data: {
    summary: '导出某一期的数据（CSV 或 Excel：每个刊印数字及其记录与位置）',
    load: () => import('./commands/data.ts'),
  },
  serve: {
    summary: '本地服务：往期查阅页、HTTP API、Atom 订阅源、邮件订阅与定时任务',
    load: () => import('./commands/serve.ts'),
  },
  bootstrap: {
    summary: '创建数据表与存储桶（可重复执行）',
    load: () => import('./commands/bootstrap.ts'),
  },
  'seed-synthetic': {
    summary: '生成规模测试用的合成数据集（178个园区 × 37项指标 × 2010–2024）',
    load: () => import('./commands/seed-synthetic.ts'),
  },
  // The editorial cycle (commands/editorial.ts registers them all).
  draft: {
    summary: 'generate 的别名：生成稿件（待审；无需审核的刊物立即发布；数据未变或为空则不生成）',
    load: () => import('./commands/generate.ts'),
  },
  drafts: {
    summary: '待审稿件（--json 供脚本使用；给出稿件号则下载其样稿 PDF）',
    load: () => import('./commands/editorial.ts'),
  },
  release: {
    summary: '发布稿件：立即（取下一期号）或 --at 定时发布',
    load: () => import('./commands/editorial.ts'),
  },
  discard: { summary: '弃用稿件（不占期号）', load: () => import('./commands/editorial.ts') },
  withdraw: {
    summary: '撤回已发布的一期（--reason 必填；期号不再使用）',
    load: () => import('./commands/editorial.ts'),
  },
  corrections: {
    summary: '发布后数据被修订的各期及其变动',
    load: () => import('./commands/editorial.ts'),
  },
  correct: {
    summary: '生成某期的修订版或更正版稿件（期号不变，附勘误说明：类别、原因、影响、页码）',
    load: () => import('./commands/editorial.ts'),
  },
  dismiss: {
    summary: '驳回更正队列中的一期（--reason 必填，理由留存并显示）',
    load: () => import('./commands/editorial.ts'),
  },
  runs: {
    summary: '每次触发及其结果（生成稿件、未变、无数据、失败、已发布）',
    load: () => import('./commands/editorial.ts'),
  },
  retry: { summary: '重试失败或中断的一次运行', load: () => import('./commands/editorial.ts') },
  pdf: {
    summary: '把一期的 PDF（任一版次）写入文件',
    load: () => import('./commands/issue-files.ts'),
  },
  notify: {
    summary: '给一期的订阅者发送发布通知（发布时未能发送时补发）',
    load: () => import('./commands/issue-files.ts'),
  },
  sweep: {
    summary: '清除目录未引用的存储对象（孤儿文件）',
    load: () => import('./commands/editorial.ts'),
  },
  calendar: {
    summary: '发布日程：未来 12 个月的发布时间（move / cancel 改期或取消，须说明原因）',
    load: () => import('./commands/calendar.ts'),
  },
  users: {
    summary: '编辑部账号：users add 姓名 --role 编辑 | users list（网页编辑部 /console 的登录）',
    load: () => import('./commands/users.ts'),
  },
};

const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
};

// Chromium is unpacked once (≈ 2 s) and kept with the local state, checked against its version.
process.env.BULLETIN_CHROMIUM_DIR ??= join(ROOT, '.local', 'chromium');

export const program = new Command()
  .name('bulletin')
  .description('Torch Bulletin：国家高新区统计数据进，《火炬动态》PDF 出。')
  .version(version, '-V, --version', '显示版本号')
  .helpOption('-h, --help', '显示帮助')
  .helpCommand('help [command]', '显示某个命令的帮助')
  .configureHelp(chineseHelp)
  .addOption(
    new Option('--target <目标>', '运行目标：内嵌本地栈 (local) 或 AWS（SDK 标准配置）')
      .choices(['local', 'aws'])
      .default(process.env.BULLETIN_TARGET ?? 'local'),
  )
  .option(
    '--state-dir <目录>',
    '本地栈数据目录 (state folder)',
    process.env.BULLETIN_STATE_DIR ?? join(ROOT, '.local', 'state'),
  )
  .option('-q, --quiet', '只输出结果')
  .showHelpAfterError('（用 --help 查看用法）')
  .configureOutput({ outputError: (text, write) => write(chineseError(text)) })
  // Usage errors exit with 2 like every other input error (commander's own default is 1).
  .exitOverride();

export const cli = createCli(program);

/** The command named on the command line (the first word that is not an option or its value). */
function requestedCommand(argv: string[]): string | undefined {
  const takesValue = new Set(['--target', '--state-dir']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (takesValue.has(arg)) i += 1;
    else if (!arg.startsWith('-')) return arg === 'help' ? argv[i + 1] : arg;
  }
  return undefined;
}

async function main(): Promise<void> {
  const name = requestedCommand(process.argv.slice(2));
  const entry = name ? COMMANDS[name] : undefined;
  if (entry) {
    (await entry.load()).register(program, cli);
  } else {
    // Help or an unknown command: list every command without loading any.
    for (const [command, { summary }] of Object.entries(COMMANDS))
      program.command(command).description(summary);
  }
  await program.parseAsync(process.argv);
}

/** Runs the command line (bin/bulletin.mjs calls it; importing this module runs nothing). */
export function run(): Promise<void> {
  return main().catch((err: unknown) => {
    if (err instanceof CommanderError) {
      // commander printed the message (or the help / version) already.
      process.exitCode = err.exitCode === 0 ? 0 : EXIT.badInput;
      return;
    }
    process.stderr.write(`${formatError(err)}\n`);
    if (process.env.BULLETIN_DEBUG) console.error(err);
    process.exitCode = exitCodeOf(err);
  });
}
