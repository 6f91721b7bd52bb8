/**
 * Reporting periods: a year (`2024`), a quarter (`2024-Q3`) or a month (`2024-10`).
 * Periods of one granularity sort correctly as strings.
 */
export type Granularity = 'annual' | 'quarterly' | 'monthly';

export interface Period {
  text: string;
  granularity: Granularity;
  year: number;
  /** Quarter 1–4 or month 1–12; absent for a year. */
  part?: number;
}

const PERIOD_RE = /^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$/;

/** Parses a period, or returns `undefined` when the text is not a valid period. */
export function parsePeriod(text: string): Period | undefined {
  const m = PERIOD_RE.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  if (year < 1949 || year > 2100) return undefined;
  if (m[2]) return { text, granularity: 'quarterly', year, part: Number(m[2]) };
  if (m[3]) return { text, granularity: 'monthly', year, part: Number(m[3]) };
  return { text, granularity: 'annual', year };
}

/** Like {@link parsePeriod} but throws on a bad period. */
export function period(text: string): Period {
  const p = parsePeriod(text);
  if (!p) throw new Error(`不是有效的期间："${text}"（应为 2024、2024-Q3 或 2024-10 这样的形式）`);
  return p;
}

/** The same period one year earlier, for year-on-year comparison: `2024-Q3` → `2023-Q3`. */
export function samePeriodLastYear(text: string): string {
  const p = period(text);
  const year = String(p.year - 1);
  if (p.granularity === 'annual') return year;
  if (p.granularity === 'quarterly') return `${year}-Q${p.part}`;
  return `${year}-${String(p.part).padStart(2, '0')}`;
}

/** Chinese name of a period: `2024年`, `2024年第三季度`, `2024年10月`. */
export function formatPeriodZh(text: string): string {
  const p = period(text);
  if (p.granularity === 'annual') return `${p.year}年`;
  if (p.granularity === 'quarterly') return `${p.year}年第${'一二三四'[(p.part ?? 1) - 1]}季度`;
  return `${p.year}年${p.part}月`;
}

/** Sorts periods oldest first (within one granularity strings already sort). */
export function comparePeriods(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
