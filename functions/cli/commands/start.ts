import type { Command } from 'commander';
import type { Cli } from '../context.ts';
import { generateBulletin, printOutcome } from './generate.ts';

export function register(program: Command, cli: Cli): void {
  program
    .command('start')
    .description(
      '一步到位：建表 (bootstrap)、存储为空时载入 data/、生成当期《火炬动态》（首期直接发布，之后为待审稿件）',
    )
    .action(() =>
      cli.withServices(
        async (s) => {
          printOutcome(cli, s, await generateBulletin(cli, s, { firstRun: true }));
          if ((await s.desk.listAccounts()).length === 0)
            cli.info(
              '网页编辑部（/console）需要账号：npx bulletin users add 姓名 --role 管理员（或 编辑、审阅），然后 npm run serve，打开它给出的编辑部地址登录。',
            );
        },
        { seedIfEmpty: true },
      ),
    );
}
