/**
 * Numbers as reported, and the one precision rule for numbers we derive.
 *
 * A record keeps the decimal text and the unit it was reported in (`1.37` `万亿元`,
 * `6.3` `万户`) and its qualifier (约, 超过, 近, 突破, 以上 …); {@link recordValueText}
 * prints exactly that. Only figures computed here follow {@link PRECISION_RULE}.
 */
import { formatNumber } from './format.ts';
import type { IndicatorRecord } from './model.ts';
import { COUNT_UNITS, fitsUnit, plainDecimal, shiftDecimal, unitExponent } from './units.ts';

/**
 * The precision rule for derived figures, written once (printed in each report's data note
 * and tested in tests/unit/numbers.test.ts):
 */
export const PRECISION_RULE =
  '计算所得的增速、比重和百分点差保留一位小数；合计与差额按各项中精度最低者取位；由含“约”“超过”等限定词的数据计算所得的结果标注“约”（各项均为下限时合计标注“超过”）。';

/** Qualifiers printed before the number. */
const PREFIX_QUALIFIERS = ['约', '近', '超过', '超', '逾', '突破'] as const;
/** Qualifiers between the number and its unit (`3900余家`, `50多亿元`). */
const INFIX_QUALIFIERS = ['余', '多'] as const;
/** Qualifiers after the unit (`80%以上`). */
const SUFFIX_QUALIFIERS = ['以上', '左右'] as const;
export const QUALIFIERS: readonly string[] = [
  ...PREFIX_QUALIFIERS,
  ...INFIX_QUALIFIERS,
  ...SUFFIX_QUALIFIERS,
];
/** Qualifiers that make the number a lower bound. */
const LOWER_BOUNDS = new Set(['超过', '超', '逾', '突破', '余', '多', '以上']);

export function isQualifier(text: string): boolean {
  return QUALIFIERS.includes(text);
}

/** Places a qualifier around a number and its unit: `超过6.3万户`, `3900余家`, `80%以上`. */
export function qualify(number: string, unit: string, qualifier?: string): string {
  if (!qualifier) return `${number}${unit}`;
  if ((INFIX_QUALIFIERS as readonly string[]).includes(qualifier)) {
    // `3.5万余家`, `1.2万余项` — but `50多亿元`, `3900余家`.
    if (number.includes('.') && /^[万亿]/.test(unit))
      return `${number}${unit[0]}${qualifier}${unit.slice(1)}`;
    return `${number}${qualifier}${unit}`;
  }
  if ((SUFFIX_QUALIFIERS as readonly string[]).includes(qualifier))
    return `${number}${unit}${qualifier}`;
  return `${qualifier}${number}${unit}`;
}

/** A value cell as typed in an input file: qualifier, number, unit — any of the outer two may be absent. */
export interface ValueText {
  qualifier?: string;
  /** The number exactly as written (a plain decimal; exponent notation is expanded). */
  number: string;
  unit?: string;
}

const NUMBER = String.raw`[+-]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?`;
const VALUE_RE = new RegExp(
  `^(${PREFIX_QUALIFIERS.join('|')})?\\s*(${NUMBER})\\s*(${INFIX_QUALIFIERS.join('|')})?\\s*([^\\d\\s]*?)\\s*(${SUFFIX_QUALIFIERS.join('|')})?$`,
);

/**
 * Parses a value cell: `19.3`, `1.37万亿元`, `超过6.3万户`, `3900余家`, `80%以上`. Returns
 * undefined when it is not a number with optional qualifier and unit (e.g. `1,234`, `n/a`).
 */
export function parseValueText(text: string): ValueText | undefined {
  // `3.5万余家` reads as 3.5 余 万家.
  const m = VALUE_RE.exec(text.trim().replace(/(\d)([万亿])(余|多)/, '$1$3$2'));
  if (!m) return undefined;
  const n = Number(m[2]);
  if (!Number.isFinite(n)) return undefined;
  const number = /e/i.test(m[2]!) ? plainDecimal(n) : normalise(m[2]!);
  const qualifiers = [m[1], m[3], m[5]].filter(Boolean) as string[];
  if (qualifiers.length > 1) return undefined;
  const out: ValueText = { number };
  if (qualifiers[0]) out.qualifier = qualifiers[0];
  if (m[4]) out.unit = m[4];
  return out;
}

/** `+7.60` → `7.60` (kept: trailing zeros are precision), `.5` → `0.5`. */
function normalise(text: string): string {
  let t = text.replace(/^\+/, '');
  if (t.startsWith('.')) t = `0${t}`;
  if (t.startsWith('-.')) t = `-0${t.slice(1)}`;
  return t;
}

/** The unit a base value is shown in when no reported form is known: money ≥ 1万亿 in 万亿元. */
export function displayUnitOf(value: number, base: string): string {
  if (base === '亿元' && Math.abs(value) >= 10_000) return '万亿元';
  return base;
}

/** The number and unit a record prints: as reported, else its stored value exactly. */
export function recordNumber(
  r: Pick<IndicatorRecord, 'value' | 'reportedValue' | 'reportedUnit'>,
  base: string,
): { number: string; unit: string } {
  if (r.reportedValue !== undefined && r.reportedUnit && fitsUnit(r.reportedUnit, base))
    return { number: r.reportedValue, unit: r.reportedUnit };
  const unit = displayUnitOf(r.value, base);
  return { number: shiftDecimal(plainDecimal(r.value), -(unitExponent(unit, base) ?? 0)), unit };
}

/** A record's value as printed: exactly as reported, with its qualifier (`超过6.3万户`). */
export function recordValueText(r: IndicatorRecord, ind: { unit: string }): string {
  const { number, unit } = recordNumber(r, ind.unit);
  return qualify(number, unit, r.qualifier);
}

/** A reported rate (yoy, share) exactly as given: `7.6`, `0.05`. */
export function rateText(pct: number): string {
  return plainDecimal(pct);
}

/** The smallest step a record's value is given to, in the base unit (1.37万亿元 → 100). */
export function stepExponent(
  r: Pick<IndicatorRecord, 'value' | 'reportedValue' | 'reportedUnit'>,
  base: string,
): number {
  const { number, unit } = recordNumber(r, base);
  const decimals = number.split('.')[1]?.length ?? 0;
  return (unitExponent(unit, base) ?? 0) - decimals;
}

/** A decimal string as a scaled integer: `"1.37"` → 137n × 10^-2. */
function toScaled(text: string): { int: bigint; exp: number } {
  const [w, f = ''] = text.replace(/^-/, '').split('.');
  const int = BigInt(`${w}${f}` || '0');
  return { int: text.startsWith('-') ? -int : int, exp: -f.length };
}

function fromScaled(int: bigint, exp: number): string {
  const neg = int < 0n;
  const digits = (neg ? -int : int).toString();
  return (neg ? '-' : '') + shiftDecimal(digits, exp);
}

/** Rounds a scaled integer to 10^target (half away from zero). */
function roundScaled(int: bigint, exp: number, target: number): bigint {
  if (target <= exp) return int * 10n ** BigInt(exp - target);
  const div = 10n ** BigInt(target - exp);
  const neg = int < 0n;
  const abs = neg ? -int : int;
  const q = (abs + div / 2n) / div;
  return neg ? -q : q;
}

/** Exact decimal sum of terms, each `sign × value`, rounded to 10^step. */
export function exactSum(terms: { text: string; sign?: 1 | -1 }[], step: number): string {
  const scaled = terms.map((t) => toScaled(t.text));
  const exp = Math.min(0, ...scaled.map((s) => s.exp));
  let total = 0n;
  scaled.forEach((s, i) => {
    const v = s.int * 10n ** BigInt(s.exp - exp);
    total += terms[i]!.sign === -1 ? -v : v;
  });
  return fromScaled(roundScaled(total, exp, step), step);
}

/** The qualifier a figure derived from `records` carries (rule 3 of {@link PRECISION_RULE}). */
export function derivedQualifier(
  records: Pick<IndicatorRecord, 'qualifier'>[],
  kind: 'sum' | 'other',
): string | undefined {
  const qs = records.map((r) => r.qualifier);
  if (qs.every((q) => !q)) return undefined;
  if (kind === 'sum' && qs.every((q) => q && LOWER_BOUNDS.has(q))) return '超过';
  return '约';
}

/**
 * A sum (or difference, with signs) of records of one indicator, by rule 2: exact in
 * decimal, rounded to the coarsest step among the terms, shown in 万 units when the terms
 * were reported so (money: from 1万亿元 up).
 */
export function derivedAmount(
  terms: { record: IndicatorRecord; sign?: 1 | -1 }[],
  base: string,
  kind: 'sum' | 'difference' = 'sum',
): { value: number; number: string; unit: string; qualifier?: string } {
  const step = Math.max(...terms.map((t) => stepExponent(t.record, base)));
  const baseText = exactSum(
    terms.map((t) => ({ text: plainDecimal(t.record.value), sign: t.sign ?? 1 })),
    step,
  );
  const value = Number(baseText);
  let unit = displayUnitOf(value, base);
  if (COUNT_UNITS.has(base) && Math.abs(value) >= 10_000) {
    const scaled = terms.find((t) => t.record.reportedUnit === `万${base}`);
    if (scaled) unit = `万${base}`;
  }
  const number = shiftDecimal(baseText, -(unitExponent(unit, base) ?? 0));
  const qualifier = derivedQualifier(
    terms.map((t) => t.record),
    kind === 'sum' ? 'sum' : 'other',
  );
  return { value, number, unit, ...(qualifier ? { qualifier } : {}) };
}

/** Rule 1: a computed rate (growth, share, percentage points) to one decimal, half away from zero. */
export function derivedRate(pct: number): string {
  return formatNumber(pct, 1);
}
