/**
 * The report kinds as the editorial cycle sees them: a request's parameters → a
 * {@link ReportJob} that loads its inputs once (hash, printed records, empty check) and renders a
 * draft (placeholder masthead), a numbered issue, or a corrected edition (修订版 + 勘误说明).
 */
import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError, ValidationError } from '../errors.ts';
import { composeBulletin } from '../core/compose-bulletin.ts';
import { composeRegionalReport } from '../core/compose-regional.ts';
import { composeZoneProfile } from '../core/compose-zone-profile.ts';
import type { PrintedRecord, ReviewRule } from '../core/lifecycle.ts';
import { editionLabel } from '../core/lifecycle.ts';
import {
  NATIONAL_HTZ,
  type CorrectionLine,
  type IndicatorRecord,
  type Series,
} from '../core/model.ts';
import type { ReportView } from '../core/report-parts.ts';
import type { ReportJob, RenderOptions } from './lifecycle.ts';
import { currentPeriod, type PublishDeps } from './publish.ts';
import {
  loadBulletinInputs,
  loadRegionalInputs,
  loadZoneProfileInputs,
  renderReportFiles,
} from './render-report.ts';
import { templatesDir } from './templates.ts';

type Numbers = { year: number; number: number; total: number };

/** What one kind contributes: load the inputs once, compose a view from them. */
interface LoadedReport {
  series: Series;
  reportKey: string;
  period: string;
  title: string;
  records: IndicatorRecord[];
  /** Hash of records and articles (the kind's own). */
  dataHash: string;
  /** Set when the period has no data for the series' key indicators. */
  empty?: string;
  compose(issue: Numbers | undefined, date: Date): ReportView;
}

async function loadReport(
  deps: PublishDeps,
  params: Record<string, string>,
): Promise<LoadedReport> {
  const kind = params.kind ?? 'torch-bulletin';
  const seriesOf = (id: string) => {
    const s = deps.reference.seriesById(id);
    if (!s) throw new NotFoundError('lifecycle', `unknown series "${id}"`);
    return s;
  };
  switch (kind) {
    case 'torch-bulletin': {
      const series = seriesOf(params.series ?? 'torch-bulletin');
      const period = params.period ?? (await currentPeriod(deps.records));
      const inputs = await loadBulletinInputs(deps, series.id, period);
      const inPeriod = inputs.records.filter(
        (r) =>
          r.period === period &&
          r.zone === NATIONAL_HTZ &&
          series.keyIndicators.includes(r.indicator),
      );
      return {
        series,
        reportKey: series.id,
        period,
        title: series.title,
        records: inputs.records,
        dataHash: inputs.inputHash,
        ...(inPeriod.length === 0
          ? {
              empty: `period ${period} has no record of the series' key indicators (${series.keyIndicators.slice(0, 4).join(', ')} …) for the national high-tech zones`,
            }
          : {}),
        compose: (issue, date) =>
          composeBulletin({
            series,
            ...(issue ? { issue } : {}),
            date,
            period,
            records: inputs.records,
            articles: inputs.articles,
            reference: deps.reference,
            expectedIndicators: series.keyIndicators,
            timeZone: deps.timeZone,
          }),
      };
    }
    case 'zone-profile': {
      if (!params.zone) throw missing(kind, 'zone');
      const series = seriesOf('zone-profile');
      const inputs = await loadZoneProfileInputs(deps, params.zone, params.period);
      const inPeriod = inputs.zoneRecords.filter((r) => r.period === inputs.period);
      return {
        series,
        reportKey: `zone-profile:${inputs.zone.id}`,
        period: inputs.period,
        title: `${series.title}·${inputs.zone.shortName}`,
        records: inputs.zoneRecords,
        dataHash: inputs.inputHash,
        ...(inPeriod.length === 0
          ? { empty: `zone ${inputs.zone.id} has no record for period ${inputs.period}` }
          : {}),
        compose: (issue, date) =>
          composeZoneProfile({
            series,
            ...(issue ? { issue } : {}),
            date,
            zone: inputs.zone.id,
            zoneRecords: inputs.zoneRecords,
            periodRecords: inputs.periodRecords,
            context: inputs.context,
            period: inputs.period,
            reference: deps.reference,
            keyIndicators: series.keyIndicators,
            timeZone: deps.timeZone,
          }),
      };
    }
    case 'regional-report': {
      if (!params.region) throw missing(kind, 'region');
      const series = seriesOf('regional-report');
      const inputs = await loadRegionalInputs(deps, params.region, params.period);
      const zones = new Set(inputs.region.zoneIds);
      const inPeriod = inputs.records.filter(
        (r) => r.period === inputs.period && zones.has(r.zone),
      );
      return {
        series,
        reportKey: `regional-report:${inputs.region.name}`,
        period: inputs.period,
        title: `${series.title}·${inputs.region.name}`,
        records: inputs.records,
        dataHash: inputs.inputHash,
        ...(inPeriod.length === 0
          ? { empty: `no zone of ${inputs.region.name} has a record for period ${inputs.period}` }
          : {}),
        compose: (issue, date) =>
          composeRegionalReport({
            series,
            ...(issue ? { issue } : {}),
            date,
            region: inputs.region,
            period: inputs.period,
            records: inputs.records,
            reference: deps.reference,
            keyIndicators: series.keyIndicators,
            timeZone: deps.timeZone,
          }),
      };
    }
    default:
      throw new ValidationError('lifecycle', [
        { file: 'request', location: 'kind', field: 'kind', message: `unknown kind "${kind}"` },
      ]);
  }
}

function missing(kind: string, field: string) {
  return new ValidationError('lifecycle', [
    { file: 'request', location: kind, field, message: `${kind} needs "${field}"` },
  ]);
}

/** Hash of the template files a kind prints with (its own folder and `shared/`), cached. */
const templateHashes = new Map<string, Promise<string>>();
function templateHash(kind: string): Promise<string> {
  let h = templateHashes.get(kind);
  if (!h) {
    h = (async () => {
      const hash = createHash('sha256');
      for (const dir of [kind, 'shared', join('shared', 'partials')]) {
        const full = join(templatesDir(), dir);
        const names = await readdir(full).catch(() => [] as string[]);
        for (const name of names.sort()) {
          const bytes = await readFile(join(full, name)).catch(() => undefined);
          if (bytes) hash.update(`${dir}/${name}\0`).update(bytes);
        }
      }
      return hash.digest('hex');
    })();
    templateHashes.set(kind, h);
  }
  return h;
}

/** The records a view printed (the refs of its figures), with a label a reader recognises. */
function printedOf(
  deps: PublishDeps,
  view: ReportView,
  records: IndicatorRecord[],
): PrintedRecord[] {
  const byKey = new Map(records.map((r) => [`${r.zone}#${r.indicator}#${r.period}`, r]));
  const out = new Map<string, PrintedRecord>();
  for (const figure of view.trace)
    for (const ref of figure.refs) {
      const key = `${ref.zone}#${ref.indicator}#${ref.period}`;
      const r = byKey.get(key);
      if (!r || out.has(key)) continue;
      const zone = deps.reference.zone(r.zone);
      const indicator = deps.reference.indicator(r.indicator);
      out.set(key, {
        key,
        value: r.value,
        revision: r.revision,
        unit: indicator?.unit ?? '',
        label: `${zone?.shortName ?? zone?.name ?? r.zone} · ${indicator?.name ?? r.indicator} · ${r.period}`,
        source: r.source,
      });
    }
  return [...out.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** `1.37万亿元`-style text of a value in its base unit, for the 勘误说明. */
function valueText(value: number, unit: string): string {
  // The value as stored (base unit), never rounded: a correction shows exactly what changed.
  return `${value}${unit}`;
}

/** The masthead and erratum of a draft or a corrected edition, set on a composed view. */
function dress(view: ReportView, opts: RenderOptions): ReportView & { erratum?: object } {
  if (!opts.numbering)
    return {
      ...view,
      masthead: { ...view.masthead, issueLine: '样稿 · 期号于发布时确定' },
      documentTitle: `${view.documentTitle}（样稿）`,
    };
  const label = editionLabel(opts.edition ?? 1);
  if (!label) return view;
  const lines = (opts.corrections ?? []).map((c: CorrectionLine) => ({
    printedAs: c.printedAs,
    oldValue: valueText(c.oldValue, c.unit),
    newValue: valueText(c.newValue, c.unit),
    source: c.source,
  }));
  return {
    ...view,
    masthead: { ...view.masthead, issueLine: `${view.masthead.issueLine} ${label}` },
    documentTitle: `${view.documentTitle} ${label}`,
    fileName: view.fileName.replace(/\.pdf$/, `-${label}.pdf`),
    erratum: { label, lines },
  };
}

/** A ReportJob for a request, over the publish dependencies (records, renderer, reference). */
export function reportJobResolver(deps: PublishDeps) {
  return async (params: Record<string, string>): Promise<ReportJob> => {
    const loaded = await loadReport(deps, params);
    const seriesHash = createHash('sha256').update(JSON.stringify(loaded.series)).digest('hex');
    const kind = params.kind ?? 'torch-bulletin';
    return {
      series: loaded.series.id,
      kind,
      reportKey: loaded.reportKey,
      period: loaded.period,
      title: loaded.title,
      review: (loaded.series as Series & { review?: ReviewRule }).review ?? 'required',
      reference: loaded.series.numbering.reference,
      async prepare() {
        const inputHash = createHash('sha256')
          .update(`${loaded.dataHash}\0${await templateHash(kind)}\0${seriesHash}`)
          .digest('hex');
        const view = loaded.compose(undefined, deps.now?.() ?? new Date());
        return {
          inputHash,
          printed: printedOf(deps, view, loaded.records),
          ...(loaded.empty ? { empty: loaded.empty } : {}),
        };
      },
      async render(opts) {
        const view = dress(loaded.compose(opts.numbering, opts.date), opts);
        const stem = `${loaded.reportKey.replace(/[^a-z0-9-]/gi, '_')}-${randomUUID().slice(0, 8)}`;
        const files = await renderReportFiles(deps, view, stem);
        return {
          pdf: files.pdf,
          pages: files.pages,
          fileName: view.fileName,
          pdfPath: files.pdfPath,
        };
      },
    };
  };
}
