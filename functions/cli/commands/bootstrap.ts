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
          `created: ${r.created.join(', ') || '(none)'}; already there: ${r.existing.join(', ') || '(none)'}`,
        );
      }),
    );
}
