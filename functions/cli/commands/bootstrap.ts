import type { Command } from 'commander';
import { bootstrapStores } from '../../adapters/bootstrap.ts';
import type { Cli } from '../context.ts';

export function register(program: Command, cli: Cli): void {
  program
    .command('bootstrap')
    .description('创建数据表与存储桶 (tables, bucket)；可重复执行 (idempotent)')
    .action(() =>
      cli.withServices(async (s) => {
        const r = await bootstrapStores(s.config, s.clients);
        console.log(
          `已创建：${r.created.join('、') || '（无）'}；已存在：${r.existing.join('、') || '（无）'}`,
        );
      }),
    );
}
