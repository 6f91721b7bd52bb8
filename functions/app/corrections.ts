/**
 * The corrections queue, decided in one place: what a released issue printed that its records no
 * longer say. `bulletin corrections`, `bulletin correct`, the operator API and the console all
 * call {@link changedFigures} (through {@link correctionQueue} for the queue), so they agree by
 * construction.
 *
 * An issue printed a set of records, each at a revision (`printedOf`). A record whose current
 * revision is another is compared with the revision the issue printed, field by field, for what
 * the issue printed of it: its value (and with it the qualifier 约/超过 … and the precision it was
 * reported at, `1.37万亿元` vs `1.368万亿元`), its reported growth, its reported share. Every
 * released issue is checked — a superseded one (a newer issue of the same report) too — except
 * a withdrawn one; an entry an editor dismissed (with a reason) stays listed as dismissed until a
 * further revision changes what it covers.
 */
import { createHash } from 'node:crypto';
import { ConflictError, NotFoundError } from '../errors.ts';
import { parseIssueId, type PrintedRecord } from '../core/lifecycle.ts';
import { formatIssueLine } from '../core/format.ts';
import type {
  CorrectionAspect,
  CorrectionDismissal,
  CorrectionLine,
  IndicatorRecord,
  Issue,
} from '../core/model.ts';
import { rateText, recordValueText } from '../core/numbers.ts';
import type { LifecycleCatalog, RecordStore } from './ports.ts';
import { withPrintedPages } from '../core/printed-pages.ts';

export interface CorrectionsDeps {
  catalog: Pick<LifecycleCatalog, 'allIssues' | 'printedOf' | 'issueByTotal' | 'dismissCorrection'>;
  records: Pick<RecordStore, 'currentValues' | 'revisions'>;
  now?: () => Date;
}

/** One released issue whose printed text differs from what its records say now. */
export interface CorrectionEntry {
  issueId: string;
  title: string;
  /** `2026年第1期(总第551期)` */
  issueLine: string;
  /** The issue's current edition (1 = as first released). */
  edition: number;
  /** A newer issue of the same report was released since (it may print the new figures). */
  superseded: boolean;
  changes: CorrectionLine[];
  /** Names this set of changes: a dismissal covers the fingerprint it was given for. */
  fingerprint: string;
  /** Set when an editor dismissed exactly these changes: who, when and why. */
  dismissed?: CorrectionDismissal;
}

/** The words a reader sees for what changed (CLI, console, 勘误说明). */
export const ASPECT_NAMES: Record<CorrectionAspect, string> = {
  value: '数值',
  growth: '同比增速',
  share: '占全国比重',
  qualifier: '限定词',
  precision: '精度',
};

const recordKeyOf = (key: string) => {
  const [zone = '', indicator = '', period = ''] = key.split('#');
  return { zone, indicator, period };
};

/** The printed record as a record, for an issue whose printed revision is no longer stored. */
function asRecord(p: PrintedRecord): IndicatorRecord {
  return { ...recordKeyOf(p.key), value: p.value, revision: p.revision, source: p.source };
}

const rate = (v: number | undefined) => (v === undefined ? '—' : `${rateText(v)}%`);

/**
 * What one printed record says now that it did not: one line per aspect the issue printed.
 * `old` is the revision the issue printed, `cur` the current one.
 */
export function changedAspects(
  p: PrintedRecord,
  old: IndicatorRecord,
  cur: IndicatorRecord,
): CorrectionLine[] {
  const printed = new Set(p.measures ?? ['value', 'growth', 'share']);
  const { zone, indicator, period } = recordKeyOf(p.key);
  const base = {
    zone,
    indicator,
    period,
    oldRevision: old.revision,
    newRevision: cur.revision,
    source: cur.source,
  };
  const lines: CorrectionLine[] = [];
  if (printed.has('value')) {
    const unit = { unit: p.unit };
    const oldText = p.text ?? recordValueText(old, unit);
    const newText = recordValueText(cur, unit);
    const aspect: CorrectionAspect | undefined =
      old.value !== cur.value
        ? 'value'
        : (old.qualifier ?? '') !== (cur.qualifier ?? '')
          ? 'qualifier'
          : oldText !== newText
            ? 'precision'
            : undefined;
    if (aspect)
      lines.push({
        ...base,
        aspect,
        printedAs: p.label,
        oldValue: old.value,
        newValue: cur.value,
        oldText,
        newText,
        unit: p.unit,
      });
  }
  for (const [measure, field, name] of [
    ['growth', 'yoy', '同比增速'],
    ['share', 'share', '占全国比重'],
  ] as const) {
    if (!printed.has(measure) || old[field] === cur[field]) continue;
    // A reported rate that appeared or disappeared is printed as derived or missing: its value
    // change (if any) is listed above; a reported one that moved is listed here.
    if (old[field] === undefined && cur[field] === undefined) continue;
    lines.push({
      ...base,
      aspect: measure,
      printedAs: `${p.label} · ${name}`,
      oldValue: old[field] ?? null,
      newValue: cur[field] ?? null,
      oldText: rate(old[field]),
      newText: rate(cur[field]),
      unit: '%',
    });
  }
  return lines;
}

/**
 * Every figure an issue printed that its records no longer say (value, growth, share, qualifier,
 * precision), old → new with the source of the revision and the pages of the current edition
 * that print it (its `recordPages`). Empty when nothing changed.
 */
export async function changedFigures(
  deps: Pick<CorrectionsDeps, 'catalog' | 'records'>,
  issueId: string,
): Promise<CorrectionLine[]> {
  const printed = await deps.catalog.printedOf(issueId);
  if (!printed.length) return [];
  const current = await deps.records.currentValues(printed.map((p) => recordKeyOf(p.key)));
  const lines: CorrectionLine[] = [];
  for (const p of printed) {
    const cur = current.get(p.key);
    if (!cur || cur.revision === p.revision) continue;
    const old =
      (await deps.records.revisions(recordKeyOf(p.key))).find((r) => r.revision === p.revision) ??
      asRecord(p);
    lines.push(...changedAspects(p, old, cur));
  }
  if (!lines.length) return lines;
  // Each with the pages the issue's current edition prints it on (its own figure map).
  const parsed = parseIssueId(issueId);
  const issue = parsed && (await deps.catalog.issueByTotal(parsed.series, parsed.total));
  return withPrintedPages(lines, issue ? issue.recordPages : undefined);
}

/** Names a set of changes (which record, which aspect, up to which revision). */
export function changesFingerprint(changes: CorrectionLine[]): string {
  const parts = changes
    .map((c) => `${c.zone}#${c.indicator}#${c.period}#${c.aspect ?? 'value'}#${c.newRevision}`)
    .sort();
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
}

/**
 * The corrections queue: every released (not withdrawn) issue of the series whose printed text
 * differs from what its records say now, newest first — superseded issues too. Dismissed
 * entries are listed with their dismissal (`dismissed`); `open` leaves them out.
 */
export async function correctionQueue(
  deps: Pick<CorrectionsDeps, 'catalog' | 'records'>,
  series: string[],
  opts: { open?: boolean } = {},
): Promise<CorrectionEntry[]> {
  const out: CorrectionEntry[] = [];
  for (const s of series) {
    const issues = (await deps.catalog.allIssues(s)).filter((i) => i.status === 'published');
    const newest = new Set<string>();
    for (const issue of issues) {
      const report = issue.reportKey ?? issue.series;
      const superseded = newest.has(report);
      newest.add(report);
      const changes = await changedFigures(deps, issue.id);
      if (!changes.length) continue;
      const entry = entryOf(issue, changes, superseded);
      if (opts.open && entry.dismissed) continue;
      out.push(entry);
    }
  }
  return out;
}

function entryOf(issue: Issue, changes: CorrectionLine[], superseded: boolean): CorrectionEntry {
  const fingerprint = changesFingerprint(changes);
  const dismissed = issue.correctionDismissals?.findLast((d) => d.fingerprint === fingerprint);
  return {
    issueId: issue.id,
    title: issue.title ?? issue.series,
    issueLine: formatIssueLine(issue.year, issue.number, issue.total),
    edition: issue.edition ?? 1,
    superseded,
    changes,
    fingerprint,
    ...(dismissed ? { dismissed } : {}),
  };
}

/**
 * Dismisses an issue's entry in the queue with a reason (kept with the issue and shown): the
 * changes it lists now are not corrected. A later revision lists the issue again.
 */
export async function dismissCorrection(
  deps: CorrectionsDeps,
  issueId: string,
  opts: { by: string; reason: string },
): Promise<CorrectionEntry> {
  const reason = opts.reason.trim();
  if (!reason) throw new ConflictError('corrections', '驳回更正需要说明理由（--reason "…"）');
  const parsed = parseIssueId(issueId);
  const issue = parsed ? await deps.catalog.issueByTotal(parsed.series, parsed.total) : undefined;
  if (!issue) throw new NotFoundError('corrections', `没有期号为 ${issueId} 的一期`);
  if (issue.status !== 'published')
    throw new ConflictError('corrections', `${issueId} 已撤回，不在更正队列中`);
  const changes = await changedFigures(deps, issueId);
  if (!changes.length)
    throw new ConflictError('corrections', `${issueId} 所载数据与现有记录一致，无需驳回`);
  const dismissal: CorrectionDismissal = {
    at: (deps.now?.() ?? new Date()).toISOString(),
    by: opts.by,
    reason,
    fingerprint: changesFingerprint(changes),
  };
  const updated = await deps.catalog.dismissCorrection(issueId, dismissal);
  const report = updated.reportKey ?? updated.series;
  const newer = (await deps.catalog.allIssues(updated.series)).some(
    (i) =>
      i.status === 'published' && i.total > updated.total && (i.reportKey ?? i.series) === report,
  );
  return entryOf(updated, changes, newer);
}
