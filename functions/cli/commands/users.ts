/**
 * `bulletin users add NAME --role 编辑` and `bulletin users list`: the console's named people.
 * The password comes from stdin (`--password-stdin`, for scripts) or is generated and printed
 * once. Creating an account is recorded (who: `--by`, else the OS user).
 */
import { userInfo } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import { ROLE_LABELS, ROLES, parseRole, type Role } from '../../core/desk.ts';
import { formatBeijing } from '../../core/time.ts';
import { addAccount, newPassword } from '../../app/desk.ts';
import type { Cli } from '../context.ts';

function roleArg(value: string): Role {
  const role = parseRole(value);
  if (!role)
    throw new InvalidArgumentError(
      `角色应为 ${ROLES.map((r) => `${ROLE_LABELS[r]}（${r}）`).join('、')}`,
    );
  return role;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

/** Who runs the command: `--by`, else the OS user. */
export function operatorName(by: string | undefined): string {
  if (by?.trim()) return by.trim();
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? 'cli';
  }
}

export function register(program: Command, cli: Cli): void {
  const users = program.command('users').description('编辑部账号：审阅、编辑、管理员');
  users
    .command('add')
    .description('新建账号（密码从标准输入读取，或自动生成并只显示一次）')
    .argument('<账号名>', '2–32 个字母、汉字、数字或 . _ -，例如 王编辑')
    .requiredOption('--role <角色>', '审阅 | 编辑 | 管理员（reviewer | editor | admin）', roleArg)
    .option('--password-stdin', '从标准输入读取密码（第一行）')
    .option('--by <姓名>', '操作人（默认：系统用户名）')
    .action((name: string, opts: { role: Role; passwordStdin?: boolean; by?: string }) =>
      cli.withServices(async (s) => {
        const generated = opts.passwordStdin ? undefined : newPassword();
        const password = generated ?? (await readStdin());
        const by = operatorName(opts.by);
        const account = await addAccount(s.desk, { name, role: opts.role, password, by });
        await s.desk.record({
          at: account.createdAt,
          who: by,
          via: 'cli',
          action: 'accounts',
          target: `account:${account.name}`,
          detail: `新建账号 ${account.name}（${ROLE_LABELS[account.role]}）`,
        });
        console.log(`已新建账号 ${account.name}（${ROLE_LABELS[account.role]}）。`);
        if (generated) console.log(`初始密码：${generated}（只显示这一次，请妥善转交）`);
        console.log(
          '登录：npm run serve 后打开它给出的编辑部 (console) 地址 http://127.0.0.1:<端口>/console',
        );
      }),
    );
  users
    .command('list')
    .description('列出账号及其角色')
    .option('--json', 'JSON 输出（供脚本使用）')
    .action((opts: { json?: boolean }) =>
      cli.withServices(async (s) => {
        const accounts = await s.desk.listAccounts();
        if (opts.json) {
          console.log(
            JSON.stringify(
              accounts.map(({ passwordHash: _h, ...a }) => a),
              null,
              2,
            ),
          );
          return;
        }
        if (!accounts.length) {
          console.log('尚无账号。新建：npx bulletin users add 姓名 --role 编辑');
          return;
        }
        for (const a of accounts)
          console.log(
            `${a.name}\t${ROLE_LABELS[a.role]}\t建于 ${formatBeijing(a.createdAt, { timeZone: s.config.timeZone })}（${a.createdBy}）`,
          );
      }),
    );
}
