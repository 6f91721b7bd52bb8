/**
 * What a draft changes against the last released issue of the same report: each figure printed
 * in both whose value differs, old → new, the figures only one of them prints, and the articles
 * added, changed or no longer printed. Pure.
 *
 * Figures are matched by their record (zone, indicator, period); a figure whose period moved on
 * (the monthly bulletin's 2024-10 after 2024-09) is matched with the one figure of the same zone
 * and indicator the last issue printed for another period — only when each side prints exactly
 * one such figure, never a 2012 figure against a 2024 one printed beside it.
 */
import { createHash } from 'node:crypto';
import type { ArticleDigest, PrintedRecord } from './lifecycle.ts';
import type { IssueContents } from './model.ts';
import type { ReportView } from './report-parts.ts';

export interface FigureChange {
  /** Its record (`<zone>#<indicator>#<period>`). */
  key: string;
  /** The figure as a reader finds it (`武汉东湖高新区 · 地区生产总值 · 2025`). */
  printedAs: string;
  /** Where the last issue printed it, when that says something else (another period). */
  before?: string;
  old: string;
  new: string;
}

export interface DraftChanges {
  changed: FigureChange[];
  /** Figures the draft prints that the last issue did not (by where printed). */
  added: string[];
  /** Figures the last issue printed that the draft does not. */
  dropped: string[];
  unchanged: number;
}

/** `zone#indicator` of a printed key `zone#indicator#period`. */
const seriesOf = (key: string) => key.split('#').slice(0, 2).join('#');
const shown = (r: PrintedRecord) => r.text ?? `${r.value}${r.unit}`;

export function draftChanges(draft: PrintedRecord[], last: PrintedRecord[]): DraftChanges {
  const out: DraftChanges = { changed: [], added: [], dropped: [], unchanged: 0 };
  const byKey = new Map(last.map((r) => [r.key, r]));
  const drafted = new Set(draft.map((r) => r.key));
  const compare = (r: PrintedRecord, old: PrintedRecord) => {
    if (old.value === r.value && old.unit === r.unit && shown(old) === shown(r)) out.unchanged += 1;
    else
      out.changed.push({
        key: r.key,
        printedAs: r.label,
        ...(old.label !== r.label ? { before: old.label } : {}),
        old: shown(old),
        new: shown(r),
      });
  };
  // Unmatched by record, grouped by zone and indicator on each side.
  const group = (list: PrintedRecord[]) => {
    const m = new Map<string, PrintedRecord[]>();
    for (const r of list) m.set(seriesOf(r.key), [...(m.get(seriesOf(r.key)) ?? []), r]);
    return m;
  };
  const lastLeft = group(last.filter((r) => !drafted.has(r.key)));
  const draftLeft = group(draft.filter((r) => !byKey.has(r.key)));
  const paired = new Set<PrintedRecord>();
  for (const r of draft) {
    const same = byKey.get(r.key);
    if (same) {
      compare(r, same);
      continue;
    }
    const mine = draftLeft.get(seriesOf(r.key)) ?? [];
    const theirs = lastLeft.get(seriesOf(r.key)) ?? [];
    if (mine.length === 1 && theirs.length === 1) {
      compare(r, theirs[0]!);
      paired.add(theirs[0]!);
    } else out.added.push(r.label);
  }
  for (const r of last) if (!drafted.has(r.key) && !paired.has(r)) out.dropped.push(r.label);
  return out;
}

/** Source marks (`①`, `〔21〕`) are numbered per issue: a moved mark is no change of the article. */
const MARKS = /[\u2460-\u24ff\u3251-\u325f\u32b1-\u32bf]|〔\d+〕/g;

/** Every article of a composed report, with a digest of what it prints. */
export function articleDigestsOf(view: Pick<ReportView, 'sections'>): ArticleDigest[] {
  return view.sections.flatMap((s) =>
    s.blocks.flatMap((b) => {
      const a = b.article;
      if (!a) return [];
      const printed = JSON.stringify([a.title, a.html ?? '', a.paragraphs ?? [], a.byline ?? '']);
      const sha = createHash('sha256')
        .update(printed.replace(MARKS, ''))
        .digest('hex')
        .slice(0, 16);
      return [{ anchor: a.anchor, section: s.name, title: a.title, sha }];
    }),
  );
}

export interface ArticleChange {
  section: string;
  title: string;
  /** The title the last issue printed it under, when it was retitled. */
  before?: string;
}

export interface ArticleChanges {
  added: ArticleChange[];
  changed: ArticleChange[];
  /** Articles of the last issue the draft no longer prints. */
  dropped: ArticleChange[];
  unchanged: number;
  /**
   * The last issue kept no digests of its articles (released before they were kept): compared by
   * title with its 要目 only — added ones are known, changed ones are not.
   */
  byTitle?: true;
}

/**
 * The draft's articles against the last issue's: by digest when it has them, else by title
 * against its 要目.
 */
export function articleChanges(
  draft: ArticleDigest[],
  last: { articles?: ArticleDigest[]; contents?: IssueContents },
): ArticleChanges {
  const out: ArticleChanges = { added: [], changed: [], dropped: [], unchanged: 0 };
  const view = (a: ArticleDigest): ArticleChange => ({ section: a.section, title: a.title });
  if (!last.articles) {
    const titles = new Set((last.contents ?? []).flatMap((s) => s.titles));
    for (const a of draft) {
      if (titles.has(a.title)) out.unchanged += 1;
      else out.added.push(view(a));
    }
    return { ...out, byTitle: true };
  }
  const before = new Map(last.articles.map((a) => [a.anchor, a]));
  const now = new Set(draft.map((a) => a.anchor));
  for (const a of draft) {
    const old = before.get(a.anchor);
    if (!old) out.added.push(view(a));
    else if (old.sha === a.sha) out.unchanged += 1;
    else out.changed.push({ ...view(a), ...(old.title !== a.title ? { before: old.title } : {}) });
  }
  for (const a of last.articles) if (!now.has(a.anchor)) out.dropped.push(view(a));
  return out;
}
