/**
 * Embargoes as an editor meets them: a release time is checked before it is accepted (it
 * carries an offset and is not in the past, unless the editor says "now"), an overdue embargo
 * is released by the next process that opens the stores, and a release that is late says by
 * how much. The release itself is `releaseDraft` / `releaseDue` (lifecycle.ts).
 */
import { ValidationError } from '../errors.ts';
import type { Draft } from '../core/lifecycle.ts';
import type { Issue } from '../core/model.ts';
import { formatZoned } from '../core/display.ts';
import { isReleaseDue } from '../core/embargo.ts';
import {
  nowOf,
  releaseDraft,
  releaseDue,
  scheduleRelease,
  type LifecycleDeps,
} from './lifecycle.ts';

/** What {@link releaseOrSchedule} did. */
export type ReleaseDecision =
  { action: 'scheduled'; draft: Draft } | { action: 'released'; issue: Issue };

/**
 * Whether a release asked for `at` is an embargo (`schedule`) or a release now. A time in the
 * past is refused — a typo in the year must not break an embargo — unless `releaseNowIfPast`
 * says to release at once.
 * @throws ValidationError (field `at`) for a past time without `releaseNowIfPast`.
 */
export function releaseTimeDecision(
  deps: Pick<LifecycleDeps, 'clock' | 'now' | 'timeZone'>,
  draftId: string,
  opts: { at?: Date | undefined; releaseNowIfPast?: boolean; source?: string },
): 'schedule' | 'now' {
  const now = nowOf(deps);
  if (!opts.at) return 'now';
  if (opts.at.getTime() > now.getTime()) return 'schedule';
  if (opts.releaseNowIfPast) return 'now';
  throw new ValidationError('embargo', [
    {
      file: opts.source ?? 'release',
      location: draftId,
      field: 'at',
      message: `发布时间 ${formatZoned(opts.at, deps.timeZone)} 已经过去（现在 ${formatZoned(now, deps.timeZone)}）：定时发布须晚于现在；确要立即发布，请加 --now（控制台：勾选“时间已过则立即发布”）`,
    },
  ]);
}

/** Releases a draft now, or schedules it for `at`, by {@link releaseTimeDecision}. */
export async function releaseOrSchedule(
  deps: LifecycleDeps,
  draftId: string,
  opts: { by: string; at?: Date; releaseNowIfPast?: boolean; source?: string },
): Promise<ReleaseDecision> {
  if (releaseTimeDecision(deps, draftId, opts) === 'schedule')
    return {
      action: 'scheduled',
      draft: await scheduleRelease(deps, draftId, { at: opts.at!, by: opts.by }),
    };
  return { action: 'released', issue: await releaseDraft(deps, draftId, { by: opts.by }) };
}

/** How late a scheduled release is at `now` (ms), or undefined when it is not overdue. */
export function overdueMs(draft: Draft, now: Date): number | undefined {
  if (draft.status !== 'scheduled' || !draft.releaseAt) return undefined;
  const late = now.getTime() - Date.parse(draft.releaseAt);
  return late > 0 ? late : undefined;
}

/** `3秒`, `2分5秒`, `1小时4分`, `2天3小时`: how late, to the unit that matters. */
export function formatLateness(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d) return `${d}天${h ? `${h}小时` : ''}`;
  if (h) return `${h}小时${m ? `${m}分` : ''}`;
  if (m) return `${m}分${sec ? `${sec}秒` : ''}`;
  return `${sec}秒`;
}

/** `逾期 2分5秒（应于 2026-12-06 10:48:00 北京时间发布）` for an overdue draft, else undefined. */
export function overdueNote(draft: Draft, now: Date, timeZone: string): string | undefined {
  const late = overdueMs(draft, now);
  if (late === undefined) return undefined;
  return `逾期 ${formatLateness(late)}（应于 ${formatZoned(new Date(draft.releaseAt!), timeZone)} 发布）`;
}

/**
 * Releases every embargo whose time has passed, before a command does its own work: without
 * `bulletin serve` an embargo would otherwise wait for the next serve. Returns one line per
 * release (or failure) for people, in Chinese; none when nothing was due.
 */
export async function releaseOverdue(deps: LifecycleDeps): Promise<string[]> {
  const now = nowOf(deps);
  const due = (await deps.catalog.scheduledReleases()).filter((s) =>
    isReleaseDue(s.releaseAt, now),
  );
  if (!due.length) return [];
  const late = new Map(due.map((s) => [s.draftId, now.getTime() - Date.parse(s.releaseAt)]));
  const { released, failed } = await releaseDue(deps);
  return [
    ...released.map(
      (i) =>
        `定时发布已到期，已先行发布 ${i.id}（${i.year}年第${i.number}期，总第${i.total}期）` +
        (i.draftId && late.has(i.draftId)
          ? `：比预定时间晚 ${formatLateness(late.get(i.draftId)!)}`
          : ''),
    ),
    ...failed.map((f) => `定时发布已到期，但稿件 ${f.draftId} 发布失败：${f.reason}`),
  ];
}
