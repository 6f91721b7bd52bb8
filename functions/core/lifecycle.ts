/**
 * The editorial cycle of an issue, written once (pure; the catalog turns every transition
 * into one conditional write whose condition is `status IN (from…)`).
 *
 * ```
 * trigger ──▶ draft ──release (now, or schedule → scheduled → at the embargo time)──▶ published
 *               │                                                              ├─correct─▶ published (修订版, edition + 1)
 *               ├──discard──▶ discarded                                        └─withdraw─▶ withdrawn
 *               └──supersede (a newer draft of the same report)──▶ superseded
 * ```
 *
 * Two records carry the cycle. A *draft* (no number) moves draft → [scheduled] → releasing →
 * published, or to discarded / superseded. Release numbers it: the numbered *issue* record is
 * written by one conditional put (`attribute_not_exists`), and that put is the release, so a
 * draft that fails, is discarded or superseded never consumes a number. The issue then moves
 * published → withdrawn; a correction replaces its edition and keeps its number.
 * "Released" is the action; `published` is the state it leaves (the word the API shows).
 */
import { createHash } from 'node:crypto';
import { ConflictError } from '../errors.ts';
import type { PrintPlace } from './printed-pages.ts';
import {
  EDITION_KINDS,
  type CorrectionLine,
  type EditionKind,
  type EditionLabel,
  type Issue,
} from './model.ts';

export type DraftStatus =
  'draft' | 'scheduled' | 'releasing' | 'published' | 'discarded' | 'superseded';

export type IssueState = 'published' | 'withdrawn';

export type DraftAction =
  | 'schedule'
  | 'unschedule'
  | 'beginRelease'
  | 'completeRelease'
  | 'abortRelease'
  | 'discard'
  | 'supersede'
  | 'seal';

export type IssueAction = 'correct' | 'withdraw';

interface Transition<S extends string> {
  from: readonly S[];
  to: S | 'previous';
}

/** Every legal move of a draft; anything else is refused. */
export const DRAFT_TRANSITIONS: Record<DraftAction, Transition<DraftStatus>> = {
  schedule: { from: ['draft', 'scheduled'], to: 'scheduled' },
  unschedule: { from: ['scheduled'], to: 'draft' },
  // `releasing` again only when the earlier releaser's lease has expired (the catalog checks).
  beginRelease: { from: ['draft', 'scheduled', 'releasing'], to: 'releasing' },
  completeRelease: { from: ['releasing'], to: 'published' },
  // A release that failed before it numbered anything: back to what it was.
  abortRelease: { from: ['releasing'], to: 'previous' },
  discard: { from: ['draft', 'scheduled'], to: 'discarded' },
  supersede: { from: ['draft', 'scheduled'], to: 'superseded' },
  // An embargo's edition printed ahead (embargo.ts): only while it is still scheduled.
  seal: { from: ['scheduled'], to: 'scheduled' },
};

/** Every legal move of a numbered issue. */
export const ISSUE_TRANSITIONS: Record<IssueAction, Transition<IssueState>> = {
  correct: { from: ['published'], to: 'published' },
  withdraw: { from: ['published'], to: 'withdrawn' },
};

/** Draft states in which the draft is still open (listed for review, may be released). */
export const OPEN_DRAFT_STATES: readonly DraftStatus[] = ['draft', 'scheduled', 'releasing'];

/** A draft's or an issue's state, or a run's outcome, in the words an editor reads (`已发布`). */
export const STATUS_WORDS: Record<string, string> = {
  running: '运行中',
  drafted: '已生成稿件',
  released: '已发布',
  unchanged: '无变化',
  empty: '无数据',
  draft: '待审',
  scheduled: '已定时发布',
  releasing: '发布中',
  published: '已发布',
  discarded: '已弃用',
  superseded: '已被取代',
  withdrawn: '已撤回',
  rendering: '生成中',
  failed: '失败',
};

/** `已发布 (published)`: the word, with the state's name for scripts and logs. */
export function statusWord(status: string): string {
  const word = STATUS_WORDS[status];
  return word ? `${word} (${status})` : status;
}

/** Why a transition is refused, in words an operator reads; undefined when it is legal. */
export function refusalOf(
  what: string,
  action: DraftAction | IssueAction,
  status: string | undefined,
): string | undefined {
  const table: Record<string, Transition<string>> = { ...DRAFT_TRANSITIONS, ...ISSUE_TRANSITIONS };
  const t = table[action];
  if (!t) return `未知操作 "${action}"`;
  if (status === undefined) return `${what} 不存在`;
  if (t.from.includes(status)) return undefined;
  return `不能${VERB[action]} ${what}：它${statusWord(status)}（只有${t.from.map((f) => STATUS_WORDS[f] ?? f).join('或')}时才可以）`;
}

const VERB: Record<DraftAction | IssueAction, string> = {
  schedule: '定时发布',
  unschedule: '取消定时发布',
  beginRelease: '发布',
  completeRelease: '完成发布',
  abortRelease: '中止发布',
  discard: '弃用',
  supersede: '取代',
  seal: '预先生成',
  correct: '勘误',
  withdraw: '撤回',
};

/** Whether a series releases a draft at once (`none`) or waits for an operator (`required`). */
export type ReviewRule = 'required' | 'none';

/**
 * Edition label printed on the masthead: nothing for the first, 修订版 / 更正版 (or 第N次修订版)
 * after, by the kind of the correction (修订 by default: a source revised its figures).
 */
export function editionLabel(edition: number, kind: '修订' | '更正' = '修订'): string | undefined {
  if (edition <= 1) return undefined;
  return edition === 2 ? `${kind}版` : `第${edition - 1}次${kind}版`;
}

/** An issue's numbers: 2026年第2期(总第552期) is `{ year: 2026, number: 2, total: 552 }`. */
export interface Numbering {
  year: number;
  number: number;
  total: number;
}

/** The next issue numbering after `last`: the number in the year restarts at 1 with a new year. */
export function nextNumbering(last: Numbering, year: number): Numbering {
  return { year, number: last.year === year ? last.number + 1 : 1, total: last.total + 1 };
}

/** The printed record behind a figure, as kept with a draft and an issue (for corrections). */
export interface PrintedRecord {
  /** `<zone>#<indicator>#<period>` */
  key: string;
  value: number;
  revision: number;
  /** Base unit of the value (亿元, 家, % …). */
  unit: string;
  /** How a reader finds it: `武汉东湖高新区 · 地区生产总值 · 2024`. */
  label: string;
  source: string;
  /** The record as printed (`超过6.3万户`), when a figure printed the record itself. */
  text?: string;
  /**
   * What of the record the issue printed: its value (itself, or inside a derived figure), its
   * reported growth, its reported share. Absent on issues released before this was kept: all.
   */
  measures?: ('value' | 'growth' | 'share')[];
}

/** An article as printed, for telling later which ones changed: its title and a digest. */
export interface ArticleDigest {
  /** The block's anchor (`a-<article id>` for an editor article): stable between issues. */
  anchor: string;
  section: string;
  title: string;
  /** sha256 (16 hex) of what it prints: title, text, byline — source marks left out. */
  sha: string;
}

/** A rendered, unnumbered issue awaiting review or release. */
export interface Draft {
  /** `<series>-d<10 hex of the slot>`: one slot, one draft. */
  id: string;
  series: string;
  kind: string;
  slotKey: string;
  /** The report within the series (`torch-bulletin`, `zone-profile:chongqing` …). */
  reportKey: string;
  /** The request as made (kind, period, zone …), for retry and for the refusal of a reused id. */
  params: Record<string, string>;
  period: string;
  title: string;
  status: DraftStatus;
  /** Hash of everything the render reads: records, articles, template, series config. */
  inputHash: string;
  /** The draft PDF under `drafts/` (marked 样稿, no number). */
  s3Key?: string;
  fileName?: string;
  sha256?: string;
  bytes?: number;
  pages?: number;
  /** Its web edition beside the PDF (console only, marked 样稿), and the sha256 of its bytes. */
  webKey?: string;
  webSha256?: string;
  printed?: PrintedRecord[];
  /**
   * Where the draft prints each record's figures (record key → the articles, tables or charts
   * printing it, each with its pages), from its print: the console's 与上一期相比 says where
   * each changed figure is. Absent on drafts made before it was kept and on drafts not printed.
   */
  places?: Record<string, PrintPlace[]>;
  /** Its articles with a digest each (core/draft-changes.ts): the next draft says which changed. */
  articles?: ArticleDigest[];
  createdAt: string;
  runId?: string;
  /** Made to be released at once by its trigger (no review): never superseded by another. */
  immediate?: boolean;
  /** A corrected edition of a released issue: its id and the edition it will become. */
  correctionOf?: string;
  edition?: number;
  corrections?: CorrectionLine[];
  /** A corrected edition's 修订/更正 label with cause, effect and pages. */
  label?: EditionLabel;
  /** Embargo: released by the scheduler at this instant (ISO). */
  releaseAt?: string;
  /** The embargo's edition printed and stored ahead, revealed at `releaseAt` (embargo.ts). */
  sealed?: SealedRelease;
  /** Status to return to when a release fails before numbering. */
  heldStatus?: DraftStatus;
  releaseOwner?: string;
  leaseUntil?: number;
  /** The total this draft's release last tried (a taken-over release checks it first). */
  attemptTotal?: number;
  /** Set once released: the issue id it became. */
  issueId?: string;
  decidedBy?: string;
  decidedAt?: string;
  reason?: string;
  lastError?: string;
}

/**
 * A release under way holds the draft `releasing` for its lease; once the lease has run out
 * with the draft still `releasing`, the process that released it is gone (killed, Ctrl-C):
 * the release was interrupted and may be resumed (the same number, never a second one). The
 * console (待审稿件) and `bulletin drafts` both say 发布中断 from this.
 */
export function releaseState(d: Draft, now: Date): 'interrupted' | 'releasing' | undefined {
  if (d.status !== 'releasing') return undefined;
  return (d.leaseUntil ?? 0) < now.getTime() ? 'interrupted' : 'releasing';
}

/**
 * An embargoed issue printed ahead of its release second with the number it expects, its files
 * stored under names no reader route serves or can guess (`archive-keys.ts`, `sealedKey`). At
 * the second, the release writes the catalog entry pointing at them — nothing else — so every
 * route shows the issue at once. Used only while it still fits: the same planned second, the
 * same inputs, and the number the release is given.
 */
export interface SealedRelease {
  /** The release time it was printed for (the draft's `releaseAt` then). */
  plannedAt: string;
  inputHash: string;
  numbering: Numbering;
  s3Key: string;
  sha256: string;
  fileName: string;
  bytes: number;
  pages: number;
  /** Every other file stored beside the PDF (web edition, cover, data). */
  otherKeys: string[];
  /** Catalog fields of the issue from those files (webKey, contents, searchText …). */
  fields: Partial<Issue>;
  /** When it was printed (ISO). */
  sealedAt: string;
}

/** `torch-bulletin-551` ↔ series `torch-bulletin`, total 551. */
export function issueId(series: string, total: number): string {
  return `${series}-${total}`;
}

export function parseIssueId(id: string): { series: string; total: number } | undefined {
  // One spelling per issue: `torch-bulletin-00552` is not issue 552 (no leading zero).
  const m = /^([a-z0-9][a-z0-9-]{0,80}?)-([1-9]\d{0,7})$/.exec(id);
  return m ? { series: m[1]!, total: Number(m[2]) } : undefined;
}

/** `torch-bulletin-d1a2b3c4d5` ↔ series `torch-bulletin`: one draft per slot. */
export function draftIdFor(series: string, slotKey: string): string {
  return `${series}-d${createHash('sha256').update(slotKey).digest('hex').slice(0, 10)}`;
}

export function parseDraftId(id: string): { series: string } | undefined {
  const m = /^([a-z0-9][a-z0-9-]{0,80}?)-d([0-9a-f]{10})$/.exec(id);
  return m ? { series: m[1]! } : undefined;
}

/**
 * A correction's old and new value as a reader saw and will see them: as printed (`19.3万亿元`)
 * when a figure printed the record itself, else the stored value with its base unit.
 */
export function correctionValues(line: CorrectionLine): { old: string; new: string } {
  return {
    old: line.oldText ?? `${line.oldValue}${line.unit}`,
    new: line.newText ?? `${line.newValue}${line.unit}`,
  };
}

/**
 * The label of a corrected edition: 修订 or 更正, its cause (a 修订's default names the sources
 * that revised the figures; a 更正 must say what we got wrong), its effect (by default the
 * figures changed) and pages.
 */
export function editionLabelOf(
  changes: CorrectionLine[],
  opts: { kind?: EditionKind; cause?: string; effect?: string; pages?: number[] },
): EditionLabel {
  const kind = opts.kind ?? '修订';
  if (!EDITION_KINDS.includes(kind))
    throw new ConflictError('lifecycle', `更正类别须为 修订 或 更正，而不是“${String(kind)}”`);
  const cause = opts.cause?.trim();
  if (kind === '更正' && !cause)
    throw new ConflictError('lifecycle', '更正须说明原因（--cause "…"）：本刊何处印错、为何印错');
  const sources = [...new Set(changes.map((c) => c.source))];
  const figures = [...new Set(changes.map((c) => c.printedAs))];
  // The pages the changed figures are printed on (their lines', from the corrected edition's
  // own map); an editor's `pages` overrides them.
  const pages = [...new Set(opts.pages ?? changes.flatMap((c) => c.pages ?? []))].filter(
    (n) => Number.isInteger(n) && n > 0,
  );
  return {
    kind,
    cause: cause || `${sources.join('、')}修订了本期所载数据`,
    effect: opts.effect?.trim() || `${figures.length}项数据：${figures.join('；')}`,
    pages: pages.sort((a, b) => a - b),
  };
}

/** `第2、5页` */
function pagesText(pages: number[]): string {
  return `第${pages.join('、')}页`;
}

/** What a 勘误说明 prints (PDF and web edition alike, from one partial). */
export function erratumOf(label: string, tag: EditionLabel, corrections: CorrectionLine[]) {
  return {
    label,
    kind: tag.kind,
    kindMeaning: tag.kind === '修订' ? '来源资料修订了数据' : '本刊刊印有误',
    lead:
      tag.kind === '修订'
        ? `本期发布后，下列数据的来源资料作了修订，本${label}据以更正，原版同时保留备查：`
        : `本期原版所载下列内容有误，本${label}予以更正，原版同时保留备查：`,
    cause: tag.cause,
    effect: tag.effect,
    ...(tag.pages.length ? { pages: pagesText(tag.pages) } : {}),
    // A column of pages when the corrected edition's map named them.
    ...(corrections.some((c) => c.pages?.length) ? { linePages: true } : {}),
    // Old and new as a reader saw and will see them, never rounded.
    lines: corrections.map((c) => ({
      printedAs: c.printedAs,
      pages: c.pages?.length ? pagesText(c.pages) : '—',
      oldValue: correctionValues(c).old,
      newValue: correctionValues(c).new,
      source: c.source,
    })),
  };
}
