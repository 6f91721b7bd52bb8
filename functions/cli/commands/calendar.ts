/**
 * `bulletin calendar`: the release calendar (发布日程) of every series for the next 12 months;
 * `calendar move <编号> --to <时间> --reason <原因>` and `calendar cancel <编号> --reason <原因>`
 * change a date, the reason kept and shown (app/calendar.ts).
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  cancelRelease,
  CALENDAR_MONTHS,
  moveRelease,
  releaseCalendar,
  type CalendarEntry,
} from '../../app/calendar.ts';
import { formatLateness } from '../../app/embargo.ts';
import { formatBeijing } from '../../core/time.ts';
import { loadSchedules } from '../../app/schedules.ts';
import { calendarDepsOf } from '../../wiring/calendar.ts';
import { lifecycleDepsOf } from '../../wiring/lifecycle.ts';
import type { Services } from '../../wiring/services.ts';
import type { Cli } from '../context.ts';
import { instantArg } from './editorial.ts';
import { operatorName } from './generate.ts';
import { recordCli } from '../desk-record.ts';

const red = (text: string) => (process.stdout.isTTY ? `\x1b[31m${text}\x1b[0m` : text);

/** The lines of one entry: time, title, expected number, reference; then its changes. */
export function entryLines(e: CalendarEntry, timeZone: string): string[] {
  const number = e.numbering
    ? `${e.numbering.year}年第${e.numbering.number}期(总第${e.numbering.total}期)${e.draftId ? '' : '（预计）'}`
    : '';
  const state = { planned: '', moved: '已改期', cancelled: '已取消' }[e.status];
  const lines = [
    [formatBeijing(new Date(e.at), { seconds: true, timeZone }), e.title, number, state, e.ref]
      .filter(Boolean)
      .join('\t'),
  ];
  for (const c of e.changes)
    lines.push(
      c.action === 'moved'
        ? `  改期：原定 ${formatBeijing(new Date(c.from), { seconds: true, timeZone })} → ${formatBeijing(new Date(c.to!), { seconds: true, timeZone })}；原因：${c.reason}（${formatBeijing(new Date(c.at), { seconds: true, timeZone })} ${c.by}）`
        : `  取消：原定 ${formatBeijing(new Date(c.from), { seconds: true, timeZone })}；原因：${c.reason}（${formatBeijing(new Date(c.at), { seconds: true, timeZone })} ${c.by}）`,
    );
  if (e.overdueMs !== undefined)
    lines.push(red(`  逾期 ${formatLateness(e.overdueMs)}：定时发布已过时间仍未发布`));
  return lines;
}

export function register(program: Command, cli: Cli): void {
  const withCalendar = <T>(
    fn: (deps: Parameters<typeof moveRelease>[0], s: Services) => Promise<T>,
  ) =>
    cli.withServices(async (s) => {
      const schedules = await loadSchedules(join(cli.root, 'data', 'schedules.json'));
      const lifecycle = lifecycleDepsOf(cli.publishDeps(s), { log: cli.info });
      return fn({ ...calendarDepsOf(s, schedules), lifecycle }, s);
    });

  const calendar = program
    .command('calendar')
    .description(
      `发布日程：未来 ${CALENDAR_MONTHS} 个月各刊物的发布时间、预计期号，及改期、取消的原因`,
    )
    .option('--json', '输出 JSON（供脚本使用）')
    .action((opts: { json?: boolean }) =>
      withCalendar(async (deps) => {
        const cal = await releaseCalendar(deps);
        if (opts.json) {
          console.log(JSON.stringify(cal, null, 2));
          return;
        }
        console.log(
          `发布日程 · ${formatBeijing(new Date(cal.from), { seconds: true, timeZone: cal.timeZone })} 起 ${CALENDAR_MONTHS} 个月，共 ${cal.entries.length} 条`,
        );
        for (const e of cal.entries)
          for (const line of entryLines(e, cal.timeZone)) console.log(line);
        if (cal.entries.length)
          console.log('改期：bulletin calendar move <编号> --to <时间> --reason <原因>');
      }),
    );

  calendar
    .command('move')
    .argument(
      '<编号>',
      '日程条目：bulletin calendar 列出的编号（如 monthly-bulletin@2027-01-15，或稿件号）',
    )
    .description('改期：把一次发布移到新的时间，原因随日程公布')
    .requiredOption('--to <时间>', '新的发布时间，带时区，例如 2027-01-18T09:00+08:00', instantArg)
    .requiredOption('--reason <原因>', '改期原因（必填，公布）')
    .option('--by <姓名>', '改期人（记录在案）', operatorName())
    .action((ref: string, opts: { to: Date; reason: string; by: string }) =>
      withCalendar(async (deps, s) => {
        const e = await moveRelease(deps, ref, opts);
        await recordCli(s, opts.by, {
          action: 'calendar-move',
          target: `calendar:${e.key}`,
          detail: `改期 ${e.firstPlannedAt} → ${e.at}：${opts.reason}`,
        });
        for (const line of entryLines(e, deps.timeZone)) console.log(line);
      }),
    );

  calendar
    .command('cancel')
    .argument('<编号>', '日程条目：bulletin calendar 列出的编号')
    .description('取消一次发布，原因随日程公布（定时发布的稿件退回待发布，不删除）')
    .requiredOption('--reason <原因>', '取消原因（必填，公布）')
    .option('--by <姓名>', '取消人（记录在案）', operatorName())
    .action((ref: string, opts: { reason: string; by: string }) =>
      withCalendar(async (deps, s) => {
        const e = await cancelRelease(deps, ref, opts);
        await recordCli(s, opts.by, {
          action: 'calendar-cancel',
          target: `calendar:${e.key}`,
          detail: `取消 ${e.at}：${opts.reason}`,
        });
        console.log(
          `已取消：${e.title} ${formatBeijing(new Date(e.at), { seconds: true, timeZone: deps.timeZone })}（${e.ref}）`,
        );
      }),
    );
}
