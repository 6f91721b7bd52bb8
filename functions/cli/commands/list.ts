import type { Command } from 'commander';
import Table from 'cli-table3';
import { formatSize } from '../../core/display.ts';
import { formatIssueLine } from '../../core/format.ts';
import { editionLabel, STATUS_WORDS } from '../../core/lifecycle.ts';
import type { Issue } from '../../core/model.ts';
import { formatBeijing, withBeijingOffsets } from '../../core/time.ts';
import { positiveInt, type Cli } from '../context.ts';

/** An issue's state in words: 已发布, 修订版 (its edition), 已撤回 with the reason … */
function statusOf(i: Issue): string {
  if (i.status === 'withdrawn')
    return `已撤回${i.withdrawn?.reason ? `：${i.withdrawn.reason.slice(0, 40)}` : ''}`;
  const word = STATUS_WORDS[i.status] ?? i.status;
  if (i.status === 'failed') return `${word}${i.failure ? `：${i.failure.slice(0, 40)}` : ''}`;
  const kind = i.editions?.find((e) => e.edition === i.edition)?.label?.kind;
  const label = editionLabel(i.edition ?? 1, kind);
  return label ? `${word} · ${label}（第 ${i.edition} 版）` : word;
}

/** The catalog as a table for people: Beijing time, sizes in KB/MB, status in words. */
export function issueTable(items: Issue[]): string {
  const table = new Table({
    head: ['编号 (id)', '期号', '状态', '数据期', '页数', '大小', '发布时间'],
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const i of items) {
    table.push([
      i.id,
      formatIssueLine(i.year, i.number, i.total),
      statusOf(i),
      i.period ?? '',
      i.pages ? String(i.pages) : '',
      i.bytes ? formatSize(i.bytes) : '',
      formatBeijing(i.publishedAt ?? i.createdAt),
    ]);
  }
  return table.toString();
}

export function register(program: Command, cli: Cli): void {
  program
    .command('list')
    .description(
      '列出目录 (catalog) 中的各期，最新在前：期号、状态（修订版、已撤回）、数据期、页数、大小、发布时间（北京时间）',
    )
    .option('--series <刊物>', '刊物 (series id)', 'torch-bulletin')
    .option('--limit <期数>', '最多列出几期', positiveInt, 20)
    .option('--json', '输出 JSON（供脚本使用）')
    .action((opts: { series: string; limit: number; json?: boolean }) =>
      cli.withCatalog(async (s) => {
        const { items } = await s.catalog.list(opts.series, { limit: opts.limit });
        if (opts.json) {
          console.log(JSON.stringify(withBeijingOffsets(items), null, 2));
          return;
        }
        if (items.length === 0) {
          console.log(`（${opts.series} 还没有任何一期）`);
          return;
        }
        console.log(issueTable(items));
      }),
    );
}
