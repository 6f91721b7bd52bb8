/**
 * Embargoes as an editor meets them: a release time is checked before it is accepted (it
 * carries an offset and is not in the past, unless the editor says "now"), an overdue embargo
 * is released by the next process that opens the stores, and a release that is late says by
 * how much. The release itself is `releaseDraft` / `releaseDue` (lifecycle.ts).
 *
 * Equal access at the release second: an embargoed issue is printed ahead ({@link sealEmbargo}:
 * the edition with the number it expects, its files stored under names no reader can guess and
 * no catalog entry lists), and released a moment before its second
 * ({@link REVEAL_AHEAD_MS}): the release checks what it must, then writes the catalog entry —
 * its one visible change — at the second. Every reader route reads the catalog, so the PDF, web
 * edition, data, cover, feed, search, listings and the API show it from that instant together.
 * The number is still taken by that write and nowhere else: a printed edition whose number was
 * taken meanwhile is printed again with the next (and is late).
 */
import { ValidationError } from '../errors.ts';
import { nextNumbering, type Draft, type SealedRelease } from '../core/lifecycle.ts';
import type { Issue } from '../core/model.ts';
import { formatBeijing } from '../core/time.ts';
import { isReleaseDue } from '../core/embargo.ts';
import { datePartsIn } from '../core/format.ts';
import {
  formatNumbering,
  nowOf,
  releaseDraft,
  releaseDue,
  scheduleRelease,
  storeRelease,
  type LifecycleDeps,
} from './lifecycle.ts';
import { newSeal, sealedFit, sealedKeys } from './sealed-release.ts';

/** How long before its second an embargoed issue is printed (the local server's tick). */
export const SEAL_LEAD_MS = 15 * 60_000;

/**
 * How long before its second an embargoed release starts: its checks (inputs unchanged, the
 * article check, the number) take this long at most on a loaded machine; its catalog entry is
 * written at the second all the same.
 */
export const REVEAL_AHEAD_MS = 3000;

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
      file: opts.source ?? '发布',
      location: draftId,
      field: 'at',
      message: `发布时间 ${formatBeijing(opts.at, { seconds: true, timeZone: deps.timeZone })} 已经过去（现在 ${formatBeijing(now, { seconds: true, timeZone: deps.timeZone })}）：定时发布须晚于现在；确要立即发布，请加 --now（控制台：勾选“时间已过则立即发布”）`,
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
  const note = `逾期 ${formatLateness(late)}（应于 ${formatBeijing(new Date(draft.releaseAt!), { seconds: true, timeZone })} 发布）`;
  // Why it is still waiting: the last release attempt's reason (an embargo whose inputs changed
  // is retried each second and refused each time; without this the editor saw only how late).
  return draft.lastError
    ? `${note}；上次发布失败：${draft.lastError.replace(/^\[[\w-]+\]\s*/, '')}`
    : note;
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

/** What {@link sealEmbargo} did with a draft. */
export interface SealOutcome {
  draftId: string;
  /** `sealed`: printed now; `fits`: printed before and still fits; `skipped`: see `reason`. */
  action: 'sealed' | 'fits' | 'skipped';
  reason?: string;
  sealed?: SealedRelease;
}

/**
 * Prints an embargoed issue ahead of its second with the number it expects (the one after the
 * series' last, in the year of its release second), stores its files under sealed names (never
 * the issue's) and keeps them on the draft. Nothing is numbered and nothing is visible to a
 * reader: the release uses these files when it is given that number, at the second.
 * Skips a draft that is not scheduled, is a corrected edition, is due already, or whose inputs
 * changed or are blocked (the release refuses those and says why).
 */
export async function sealEmbargo(deps: LifecycleDeps, draftId: string): Promise<SealOutcome> {
  const skip = (reason: string): SealOutcome => ({ draftId, action: 'skipped', reason });
  const draft = await deps.catalog.getDraft(draftId);
  if (draft?.status !== 'scheduled' || !draft.releaseAt) return skip('未定时发布');
  if (draft.correctionOf) return skip('修订版在发布时生成');
  const planned = new Date(draft.releaseAt);
  if (planned.getTime() <= nowOf(deps).getTime()) return skip('已到发布时间');
  const job = await deps.resolveJob(draft.params);
  const last = (await deps.catalog.lastNumbering(draft.series)) ?? job.reference;
  const numbering = nextNumbering(last, datePartsIn(planned, deps.timeZone).year);
  const fit = sealedFit(draft, numbering, planned, draft.inputHash);
  if (fit) return { draftId, action: 'fits', sealed: fit };
  const inputs = await job.prepare();
  if (inputs.inputHash !== draft.inputHash)
    return skip('稿件生成后其输入已变：发布时将被拒绝，请重新触发');
  try {
    await deps.checkBeforeRelease?.(draft, job);
  } catch (err) {
    return skip(messageOf(err));
  }
  const rendered = await job.render({ numbering, date: planned });
  const issueId = `${draft.series}-${numbering.total}`;
  const stored = await storeRelease(
    deps,
    {
      issueId,
      series: draft.series,
      year: numbering.year,
      edition: 1,
      draftId,
      inputHash: inputs.inputHash,
      seal: newSeal(),
    },
    rendered,
  );
  const sealed: SealedRelease = {
    plannedAt: planned.toISOString(),
    inputHash: inputs.inputHash,
    numbering,
    s3Key: stored.s3Key,
    sha256: stored.sha256,
    fileName: rendered.fileName,
    bytes: rendered.pdf.byteLength,
    pages: rendered.pages,
    otherKeys: stored.otherKeys,
    fields: stored.fields,
    sealedAt: nowOf(deps).toISOString(),
  };
  try {
    // Only while it is still scheduled: unscheduled, discarded or releasing meanwhile, the
    // files go again.
    await deps.catalog.transitionDraft(draftId, 'seal', { sealed });
  } catch (err) {
    await removeAll(deps, sealedKeys(sealed));
    return skip(messageOf(err));
  }
  // What was printed before for another number or second is no longer anyone's.
  await removeAll(deps, sealedKeys(draft.sealed));
  deps.log?.(
    `稿件 ${draftId} 已预先生成 ${issueId}（${formatNumbering(numbering)}），${formatBeijing(planned, { seconds: true, timeZone: deps.timeZone })} 起各处同时可见`,
  );
  return { draftId, action: 'sealed', sealed };
}

/**
 * The local server's sealer: on each call, prints ahead every embargo due within `leadMs`
 * ({@link SEAL_LEAD_MS}) that has no fitting printed edition — once per state (its second, the
 * series' last number, its inputs), and again a minute after a failure.
 */
export function embargoSealer(
  deps: LifecycleDeps,
  opts: { leadMs?: number } = {},
): () => Promise<SealOutcome[]> {
  const tried = new Map<string, { state: string; at: number }>();
  return async () => {
    const now = nowOf(deps).getTime();
    const soon = (await deps.catalog.scheduledReleases())
      .filter((s) => {
        const at = Date.parse(s.releaseAt);
        return at > now && at <= now + (opts.leadMs ?? SEAL_LEAD_MS);
      })
      .sort((a, b) => Date.parse(a.releaseAt) - Date.parse(b.releaseAt));
    const outcomes: SealOutcome[] = [];
    for (const s of soon) {
      const draft = await deps.catalog.getDraft(s.draftId);
      if (!draft) continue;
      const last = await deps.catalog.lastNumbering(draft.series);
      const state = `${draft.releaseAt}|${last?.total ?? '-'}|${draft.inputHash}`;
      const before = tried.get(draft.id);
      if (before?.state === state && now - before.at < 60_000) continue;
      tried.set(draft.id, { state, at: now });
      try {
        const outcome = await sealEmbargo(deps, draft.id);
        if (outcome.action !== 'skipped') tried.set(draft.id, { state, at: Infinity });
        else deps.log?.(`稿件 ${draft.id} 未预先生成：${outcome.reason}`);
        outcomes.push(outcome);
      } catch (err) {
        deps.log?.(`稿件 ${draft.id} 预先生成失败（发布时再生成）：${messageOf(err)}`);
        outcomes.push({ draftId: draft.id, action: 'skipped', reason: messageOf(err) });
      }
    }
    return outcomes;
  };
}

async function removeAll(deps: LifecycleDeps, keys: string[]) {
  for (const key of keys)
    await deps.archive.delete(key).catch((err: unknown) => {
      deps.log?.(`未能删除 ${key}（bulletin sweep 会清理）：${messageOf(err)}`);
    });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
