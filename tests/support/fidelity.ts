/**
 * The fidelity check: every figure a report prints is recomputed from the stored records it
 * names, at the precision the report states, and compared with the printed text.
 *
 * - a record's value, reported growth or share prints exactly as the record was reported;
 * - growth is current ÷ the same period a year earlier − 1, of the same zone and indicator
 *   (a wrong base fails), or the record's own reported growth;
 * - a share of the national total divides by the national aggregate's record of the same
 *   indicator and period (a wrong denominator fails); a ratio by the other zone's record;
 * - a sum, a difference and a percentage-point gap are recomputed by the precision rule;
 * - a rank is recomputed among the records it names (one indicator, one period), a count is
 *   the number of records it names.
 * Returns one line per problem; `compared` counts the figures checked.
 */
import { formatGrowthCell, formatPointGap } from '../../functions/core/format.ts';
import type { Figure, FigureRef } from '../../functions/core/figures.ts';
import { CHINA, NATIONAL_HTZ, type IndicatorRecord } from '../../functions/core/model.ts';
import {
  derivedAmount,
  derivedQualifier,
  derivedRate,
  qualify,
  rateText,
  recordValueText,
} from '../../functions/core/numbers.ts';
import { samePeriodLastYear } from '../../functions/core/periods.ts';
import type { Reference } from '../../functions/core/reference.ts';
import type { ReportView } from '../../functions/core/report-parts.ts';

const key = (r: { zone: string; indicator: string; period: string }) =>
  `${r.zone}#${r.indicator}#${r.period}`;

export interface FidelityResult {
  problems: string[];
  compared: number;
}

export function fidelityProblems(
  trace: Figure[],
  records: IndicatorRecord[],
  ref: Reference,
): FidelityResult {
  const byKey = new Map(records.map((r) => [key(r), r]));
  const unit = (r: { indicator: string }) => ref.indicator(r.indicator)?.unit ?? '';
  const problems: string[] = [];
  const seen = new Set<Figure>();
  let compared = 0;

  const recordsOf = (refs: FigureRef[]): IndicatorRecord[] | string => {
    const out: IndicatorRecord[] = [];
    for (const x of refs) {
      const r = byKey.get(key(x));
      if (!r) return `names a record that is not stored: ${key(x)}`;
      if (r.revision !== x.revision)
        return `names revision ${x.revision} of ${key(x)}, stored is ${r.revision}`;
      out.push(r);
    }
    return out;
  };
  const sameSeries = (rs: IndicatorRecord[]) =>
    rs.every((r) => r.indicator === rs[0]!.indicator && r.period === rs[0]!.period);

  /** Growth of the records named (one zone, or a total over zones), by the rule, or a reason. */
  function growth(
    rs: IndicatorRecord[],
  ): { pct: number; qualifier?: string; derived: boolean } | string {
    // Pairs (current, previous) by zone; a current record alone brings its reported growth.
    const byZone = new Map<string, IndicatorRecord[]>();
    for (const r of rs) byZone.set(r.zone, [...(byZone.get(r.zone) ?? []), r]);
    let cur = 0;
    let prev = 0;
    const used: IndicatorRecord[] = [];
    for (const [zone, list] of byZone) {
      const sorted = [...list].sort((a, b) => b.period.localeCompare(a.period));
      const [c, p] = sorted;
      if (sorted.length > 2) return `more than two records of ${zone}`;
      if (!c || c.indicator !== rs[0]!.indicator) return `mixes indicators`;
      if (p) {
        if (p.indicator !== c.indicator) return `base of ${zone} is another indicator`;
        if (p.period !== samePeriodLastYear(c.period))
          return `wrong base: ${key(c)} against ${p.period}, not ${samePeriodLastYear(c.period)}`;
        cur += c.value;
        prev += p.value;
        used.push(c, p);
      } else if (c.yoy !== undefined) {
        if (byZone.size === 1) return { pct: c.yoy, derived: false };
        cur += c.value;
        prev += c.value / (1 + c.yoy / 100);
        used.push(c);
      } else return `no base for ${key(c)}`;
    }
    if (prev === 0) return 'base is zero';
    const q = derivedQualifier(used, 'other');
    return { pct: (cur / prev - 1) * 100, derived: true, ...(q ? { qualifier: q } : {}) };
  }
  const growthText = (g: { pct: number; qualifier?: string; derived: boolean }) => {
    if (!g.derived) return g.pct === 0 ? '持平' : `${rateText(g.pct)}%`;
    const cell = formatGrowthCell(g.pct);
    return g.qualifier && cell !== '持平' ? `${g.qualifier}${cell}` : cell;
  };

  for (const f of trace) {
    if (seen.has(f)) continue;
    seen.add(f);
    compared++;
    const fail = (why: string) =>
      problems.push(`“${f.text}” (${f.derived ?? 'value'}; ${f.refs.map(key).join(', ')}): ${why}`);
    const rs = recordsOf(f.refs);
    if (typeof rs === 'string') {
      fail(rs);
      continue;
    }
    const expectText = (expected: string | string[]) => {
      const list = Array.isArray(expected) ? expected : [expected];
      if (!list.includes(f.text)) fail(`recomputed as ${list.map((x) => `“${x}”`).join(' or ')}`);
    };
    switch (f.derived) {
      case undefined: {
        if (rs.length !== 1) {
          fail('a plain figure names one record');
          break;
        }
        const r = rs[0]!;
        const texts = [recordValueText(r, { unit: unit(r) })];
        if (unit(r) === '%') {
          texts.push(texts[0]!.replace('%', '个百分点'));
          texts.push(formatPointGap(r.value).replace(/\d+(\.\d+)?/, rateText(Math.abs(r.value))));
        }
        if (r.yoy !== undefined) texts.push(r.yoy === 0 ? '持平' : `${rateText(r.yoy)}%`);
        if (r.share !== undefined) texts.push(`${rateText(r.share)}%`);
        expectText(texts);
        break;
      }
      case 'yoy-from-previous-period': {
        const g = growth(rs);
        if (typeof g === 'string') fail(g);
        else expectText(growthText(g));
        break;
      }
      case 'share-of-china': {
        const [r, total] = rs;
        if (rs.length !== 2 || total!.zone !== CHINA || !sameSeries(rs)) {
          fail(
            'wrong denominator: a share of the national total divides by 全国 of the same indicator and period',
          );
          break;
        }
        const q = derivedQualifier(rs, 'other');
        expectText(qualify(derivedRate((r!.value / total!.value) * 100), '%', q));
        break;
      }
      case 'share-of-total':
      case 'ratio': {
        const parts = f.parts ?? 0;
        const num = rs.slice(0, parts);
        const den = rs.slice(parts);
        if (!num.length || den.length !== 1 || !sameSeries(rs)) {
          fail('wrong operands: one indicator and period, one denominator record');
          break;
        }
        if (f.derived === 'share-of-total' && den[0]!.zone !== NATIONAL_HTZ) {
          fail(`wrong denominator: ${key(den[0]!)} is not the national aggregate`);
          break;
        }
        if (
          new Set(num.map((r) => r.zone)).size !== num.length ||
          num.some((r) => r.zone === den[0]!.zone)
        ) {
          fail('wrong denominator: the part repeats a zone or contains the total');
          break;
        }
        const part =
          num.length === 1
            ? num[0]!.value
            : derivedAmount(
                num.map((record) => ({ record })),
                unit(num[0]!),
              ).value;
        const q = derivedQualifier(rs, 'other');
        expectText(qualify(derivedRate((part / den[0]!.value) * 100), '%', q));
        break;
      }
      case 'sum': {
        if (!sameSeries(rs) || new Set(rs.map((r) => r.zone)).size !== rs.length) {
          fail('a sum adds one indicator of one period, each zone once');
          break;
        }
        const s = derivedAmount(
          rs.map((record) => ({ record })),
          unit(rs[0]!),
        );
        expectText(qualify(s.number, s.unit, s.qualifier));
        break;
      }
      case 'amount-difference': {
        const [a, b] = rs;
        if (rs.length !== 2 || !sameSeries(rs)) {
          fail('a difference of two records of one indicator and period');
          break;
        }
        const d = derivedAmount([{ record: b! }, { record: a!, sign: -1 }], unit(a!), 'difference');
        expectText(
          d.value === 0 ? '持平' : qualify(d.number.replace(/^-/, ''), d.unit, d.qualifier),
        );
        break;
      }
      case 'difference': {
        const parts = f.parts ?? 0;
        const ga = growth(rs.slice(0, parts));
        const gb = growth(rs.slice(parts));
        if (typeof ga === 'string' || typeof gb === 'string') {
          fail(typeof ga === 'string' ? ga : (gb as string));
          break;
        }
        if (rs.slice(parts).some((r) => r.zone !== NATIONAL_HTZ)) {
          fail('wrong base: the gap is measured against the national aggregate');
          break;
        }
        // Reported growth is exact; a derived one may carry 约 from its records.
        const q = derivedQualifier([ga, gb], 'other');
        const gap = formatPointGap(ga.pct - gb.pct);
        expectText(q && gap !== '持平' ? `${q}${gap}` : gap);
        break;
      }
      case 'rank': {
        const subject = rs.find((r) => r.zone === f.subject);
        if (!subject || !sameSeries(rs)) {
          fail('a rank is among records of one indicator and period, the ranked zone among them');
          break;
        }
        const ind = ref.indicator(subject.indicator);
        const higher = f.rankedBy === 'growth' ? true : (ind?.higherIsBetter ?? true);
        const score = (r: IndicatorRecord) => {
          if (f.rankedBy !== 'growth') return r.value;
          if (r.yoy !== undefined) return r.yoy; // reported growth first, as printed
          const prev = byKey.get(key({ ...r, period: samePeriodLastYear(r.period) }));
          const g = growth(prev ? [r, prev] : [r]);
          return typeof g === 'string' ? NaN : g.pct;
        };
        const mine = score(subject);
        const better = rs.filter((r) => (higher ? score(r) > mine : score(r) < mine)).length;
        expectText(String(better + 1));
        break;
      }
      case 'count':
        if (rs.length && f.value !== rs.length) fail(`counts ${rs.length} records`);
        if (!f.text.startsWith(String(f.value))) fail('prints another number');
        break;
    }
  }
  return { problems, compared };
}

/** The text an SVG prints, its tags dropped (whitespace too). */
const svgText = (svg: string) =>
  svg
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, '');

/**
 * Figures whose text is not in the extracted text of the PDF (whitespace ignored). With the
 * report's view, a figure placed in a trend chart whose labels share their unit may print as
 * its number, the unit once in the chart's legend (园区生产总值（亿元）): its number and
 * “（unit）” must then be in the PDF, and that legend in the chart's own SVG.
 */
export function unprintedFigures(
  trace: Figure[],
  pdfText: string,
  view?: Pick<ReportView, 'trace' | 'placements' | 'sections'>,
): string[] {
  const flat = pdfText.replace(/\s+/g, '');
  const charts = new Map<string, string>();
  for (const s of view?.sections ?? [])
    for (const b of s.blocks) if (b.chart?.anchor) charts.set(b.chart.anchor, svgText(b.chart.svg));
  const inCharts = new Map<Figure, string[]>();
  for (const p of view?.placements ?? []) {
    const svg = charts.get(p.anchor);
    const f = view!.trace[p.figure]!;
    if (svg !== undefined) inCharts.set(f, [...(inCharts.get(f) ?? []), svg]);
  }
  const printed = (f: Figure) => {
    const t = f.text.replace(/\s+/g, '');
    if (flat.includes(t)) return true;
    const m = /^(.*\d)(\D+)$/.exec(t);
    const svgs = inCharts.get(f);
    if (!m || !svgs) return false;
    const [, number, unit] = m;
    const legend = `（${unit}）`;
    return (
      flat.includes(number!) &&
      flat.includes(legend) &&
      svgs.every((svg) => svg.includes(legend) && svg.includes(number!))
    );
  };
  return [...new Set(trace.filter((f) => !printed(f)).map((f) => f.text.replace(/\s+/g, '')))];
}
