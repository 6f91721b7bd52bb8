import type { Command } from 'commander';
import type { Cli } from '../context.ts';

export function register(program: Command, cli: Cli): void {
  program
    .command('list')
    .description('list issues in the catalog, newest first')
    .option('--series <id>', 'series', 'torch-bulletin')
    .option('--limit <n>', 'how many', (v) => Number.parseInt(v, 10), 20)
    .action((opts: { series: string; limit: number }) =>
      cli.withServices(async (s) => {
        const { items } = await s.catalog.list(opts.series, { limit: opts.limit });
        if (items.length === 0) console.log('(no issues)');
        for (const i of items) {
          console.log(
            [
              i.id,
              `${i.year}年第${i.number}期(总第${i.total}期)`,
              i.status,
              i.period ?? '',
              i.pages ? `${i.pages}页` : '',
              i.bytes ? `${i.bytes}B` : '',
              i.publishedAt ?? i.createdAt,
              i.failure ?? '',
            ].join('\t'),
          );
        }
      }),
    );
}
