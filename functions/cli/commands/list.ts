import type { Command } from 'commander';
import Table from 'cli-table3';
import { formatLocalTime, formatSize } from '../../core/display.ts';
import { formatIssueLine } from '../../core/format.ts';
import type { Issue } from '../../core/model.ts';
import { positiveInt, type Cli } from '../context.ts';

const STATUS_ZH: Record<string, string> = {
  published: '已发布',
  released: '已发布',
  rendering: '生成中',
  failed: '失败',
  draft: '草稿',
  discarded: '已弃用',
  withdrawn: '已撤回',
};

/** The catalog as a table for people: Beijing time, sizes in KB/MB, status in words. */
export function issueTable(items: Issue[], timeZone: string): string {
  const table = new Table({
    head: ['编号 (id)', '期号', '状态', '数据期', '页数', '大小', `时间 (${timeZone})`],
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const i of items) {
    table.push([
      i.id,
      formatIssueLine(i.year, i.number, i.total),
      `${STATUS_ZH[i.status] ?? i.status}${i.failure ? `：${i.failure.slice(0, 40)}` : ''}`,
      i.period ?? '',
      i.pages ? String(i.pages) : '',
      i.bytes ? formatSize(i.bytes) : '',
      formatLocalTime(i.publishedAt ?? i.createdAt, timeZone),
    ]);
  }
  return table.toString();
}

export function register(program: Command, cli: Cli): void {
  program
    .command('list')
    .description('列出目录 (catalog) 中的各期，最新在前：期号、状态、数据期、页数、大小、时间')
    .option('--series <刊物>', '刊物 (series id)', 'torch-bulletin')
    .option('--limit <期数>', '最多列出几期', positiveInt, 20)
    .option('--json', '输出 JSON（供脚本使用）')
    .action((opts: { series: string; limit: number; json?: boolean }) =>
      cli.withCatalog(async (s) => {
        const { items } = await s.catalog.list(opts.series, { limit: opts.limit });
        if (opts.json) {
          console.log(JSON.stringify(items, null, 2));
          return;
        }
        if (items.length === 0) {
          console.log(`（${opts.series} 还没有任何一期）`);
          return;
        }
        console.log(issueTable(items, s.config.timeZone));
      }),
    );
}
