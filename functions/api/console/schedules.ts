/**
 * 定时任务: each schedule with its cron in words and, while it is on, its next three fire times
 * in Beijing time. A 管理员 switches it on or off (stored in the desk store; locally the cron job
 * stops, on AWS the Scheduler schedule is disabled) or runs it now.
 */
import { Cron } from 'croner';
import cronstrue from 'cronstrue/i18n.js';
import { z } from 'zod';
import { formatBeijing } from '../../core/time.ts';
import type { ConsoleContext, ConsolePage } from './kit.ts';
import { mountScheduleDates, scheduleDates } from './schedule-dates.ts';

const pad = (n: string) => n.padStart(2, '0');
const num = (f: string) => /^\d+$/.test(f);
const list = (f: string) => /^\d+(,\d+)*$/.test(f);
const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六', '日'];

/** A 5-field cron in Chinese words: `每月 15 日 09:00`; other shapes through cronstrue (zh_CN). */
export function cronInWords(expr: string): string {
  const [min = '', hour = '', dom = '', mon = '', dow = ''] = expr.trim().split(/\s+/);
  if (num(min) && num(hour)) {
    const at = `${pad(hour)}:${pad(min)}`;
    if (dom === '*' && mon === '*' && dow === '*') return `每天 ${at}`;
    if (num(dom) && mon === '*' && dow === '*') return `每月 ${dom} 日 ${at}`;
    if (num(dom) && list(mon) && dow === '*')
      return `每年 ${mon.split(',').join('、')} 月 ${dom} 日 ${at}`;
    if (dom === '*' && mon === '*' && list(dow))
      return `每周${dow
        .split(',')
        .map((d) => WEEKDAYS[Number(d)] ?? d)
        .join('、')} ${at}`;
  }
  return cronstrue.toString(expr, { locale: 'zh_CN', use24HourTimeFormat: true });
}

/** The next `n` fire times of a cron in its time zone (none when it never fires again). */
export function nextFireTimes(expr: string, timeZone: string, n = 3): Date[] {
  const job = new Cron(expr, { timezone: timeZone, mode: '5-part', paused: true });
  try {
    return job.nextRuns(n);
  } finally {
    job.stop();
  }
}

/**
 * A schedule's name for an editor: its report's title, the region or 全部园区 it covers
 * (区域发展报告·长三角, 园区画像（全部园区）); the id (`monthly-bulletin`) is shown beside it.
 */
function scheduleName(
  kit: Parameters<ConsolePage['mount']>[1],
  s: { kind: string; region?: string; zone?: string; allZones?: boolean },
): string {
  const title = kit.deps.reference.seriesById(s.kind)?.title ?? s.kind;
  const where = s.region ?? s.zone;
  return `《${title}》${where ? `·${where}` : ''}${s.allZones ? '（全部园区）' : ''}`;
}

const switchForm = z.object({ enabled: z.enum(['on', 'off']) });

export const schedulesPage: ConsolePage = {
  nav: { path: '/console/schedules', label: '定时任务' },
  mount(app, kit) {
    const control = () => kit.deps.schedules;
    const show = async (
      c: ConsoleContext,
      extra: object = {},
      status: 200 | 400 | 404 | 409 = 200,
    ) => {
      const schedules = (await control()?.list()) ?? [];
      const { dates, changed } = await scheduleDates(kit);
      const done = c.req.query('done');
      const which = c.req.query('id');
      // The schedule in words, its id beside it: 《火炬动态》（monthly-bulletin）.
      const named = schedules.find((s) => s.id === which);
      const task = named ? `${scheduleName(kit, named)}（${named.id}）` : which;
      return kit.page(
        c,
        'schedules',
        {
          pageTitle: '定时任务',
          schedules: schedules.map((s) => ({
            ...s,
            // The report in the editor's words (its series' title), the kind id kept beside it.
            kindTitle: kit.deps.reference.seriesById(s.kind)?.title ?? s.kind,
            name: scheduleName(kit, s),
            words: cronInWords(s.cron),
            next: s.enabled
              ? nextFireTimes(s.cron, s.timeZone).map((d) => ({
                  at: d.toISOString(),
                  changed: changed.get(`schedule:${s.id}:${d.toISOString()}`),
                }))
              : [],
            dates: dates.get(s.id) ?? [],
          })),
          ...(done === 'on' ? { banner: `已启用定时任务 ${task}。` } : {}),
          ...(done === 'off' ? { banner: `已停用定时任务 ${task}：不再按时运行。` } : {}),
          ...(done === 'run' ? { banner: `定时任务 ${task} 已开始运行，结果见“运行记录”。` } : {}),
          ...(done === 'moved' ? { banner: `已改期 ${which}，原因已在发布日程中公布。` } : {}),
          ...(done === 'cancelled' ? { banner: `已取消 ${which}，原因已在发布日程中公布。` } : {}),
          ...extra,
        },
        status,
      );
    };
    app.get('/console/schedules', (c) => show(c));
    mountScheduleDates(app, kit, show);

    app.post('/console/schedules/:id/switch', kit.allow('schedule-switch'), async (c) => {
      const id = c.req.param('id');
      const form = await kit.form(c, switchForm);
      const schedules = (await control()?.list()) ?? [];
      if ('errors' in form || !schedules.some((s) => s.id === id))
        return kit.page(
          c,
          'error',
          { pageTitle: '无法执行', message: `没有定时任务 ${id}。`, back: '/console/schedules' },
          404,
        );
      const on = form.data.enabled === 'on';
      await control()!.setEnabled(id, on, c.get('person').name);
      await kit.record(c, {
        action: 'schedule-switch',
        target: `schedule:${id}`,
        detail: on ? '启用' : '停用',
      });
      return kit.done(c, `/console/schedules?id=${encodeURIComponent(id)}`, on ? 'on' : 'off');
    });

    app.post('/console/schedules/:id/run', kit.allow('schedule-run'), async (c) => {
      const id = c.req.param('id');
      const schedules = (await control()?.list()) ?? [];
      if (!schedules.some((s) => s.id === id))
        return kit.page(
          c,
          'error',
          { pageTitle: '无法执行', message: `没有定时任务 ${id}。`, back: '/console/schedules' },
          404,
        );
      const started = await control()!.runNow(id, c.get('person').name);
      await kit.record(c, {
        action: 'schedule-run',
        target: `schedule:${id}`,
        detail: `立即运行（${formatBeijing(started)}）`,
      });
      return kit.done(c, `/console/schedules?id=${encodeURIComponent(id)}`, 'run');
    });
  },
};
