/**
 * Units: the base unit each indicator is stored in, the units a value may be reported in,
 * and exact conversion between them.
 *
 * Every conversion is a power of ten (万 = 10⁴, 亿 = 10⁸), so a reported decimal converts by
 * moving its decimal point — no binary rounding, and a value round-trips exactly
 * (`1.37万亿元` → `13700` 亿元 → `1.37万亿元`).
 */

/**
 * Base units. Money in 亿元 (US dollars in 亿美元); every count keeps the unit the sources
 * count in (户, 家, 个, 项, 件, 人, 人次, 台套 …) — they are different things, not one "count".
 */
export const BASE_UNITS = [
  '亿元',
  '亿美元',
  '%',
  '点',
  '吨标准煤/万元',
  '家',
  '户',
  '个',
  '项',
  '件',
  '人',
  '万人',
  '人次',
  '台套',
  '台',
  '套',
  '所',
  '场',
  '次',
  '平方公里',
] as const;
export type BaseUnit = (typeof BASE_UNITS)[number];

/** Count units: whole things, never negative, and scaled to 万 the way releases do. */
export const COUNT_UNITS: ReadonlySet<string> = new Set([
  '家',
  '户',
  '个',
  '项',
  '件',
  '人',
  '万人',
  '人次',
  '台套',
  '台',
  '套',
  '所',
  '场',
  '次',
]);

/** input unit → [base unit, power of ten to multiply by]. */
const CONVERSIONS: Record<string, [BaseUnit, number][]> = {
  万亿元: [['亿元', 4]],
  亿元: [['亿元', 0]],
  万元: [['亿元', -4]],
  元: [['亿元', -8]],
  亿美元: [['亿美元', 0]],
  万美元: [['亿美元', -4]],
  '%': [['%', 0]],
  点: [['点', 0]],
  '吨标准煤/万元': [['吨标准煤/万元', 0]],
  平方公里: [['平方公里', 0]],
  人: [
    ['人', 0],
    ['万人', -4],
  ],
  万人: [
    ['万人', 0],
    ['人', 4],
  ],
};
for (const u of COUNT_UNITS) {
  if (u === '人' || u === '万人') continue;
  CONVERSIONS[u] = [[u as BaseUnit, 0]];
  CONVERSIONS[`万${u}`] = [[u as BaseUnit, 4]];
}
// 万人次 is 人次 × 10⁴ (the loop made it); 万人 is its own base unit (above).

export const INPUT_UNITS = Object.keys(CONVERSIONS);

/** The power of ten that turns a value in `unit` into `base`, or undefined if they don't fit. */
export function unitExponent(unit: string, base: string): number | undefined {
  return CONVERSIONS[unit.trim()]?.find(([b]) => b === base)?.[1];
}

/** Whether a value in `unit` can be stored under an indicator measured in `base`. */
export function fitsUnit(unit: string, base: string): boolean {
  return unitExponent(unit, base) !== undefined;
}

/**
 * Moves the decimal point of a plain decimal string by `exp` places (`"1.37"`, 4 → `"13700"`;
 * `"5000"`, -4 → `"0.5"`). Exact: no floating point.
 */
export function shiftDecimal(text: string, exp: number): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m) throw new Error(`不是普通的十进制数："${text}"`);
  const sign = m[1] === '-' ? '-' : '';
  const intPart = m[2] ?? '';
  const frac = m[3] ?? '';
  const digits = intPart + frac;
  let point = intPart.length + exp;
  let all = digits;
  if (point < 0) {
    all = '0'.repeat(-point) + all;
    point = 0;
  }
  if (point > all.length) all = all + '0'.repeat(point - all.length);
  const whole = all.slice(0, point).replace(/^0+(?=\d)/, '') || '0';
  const fraction = all.slice(point).replace(/0+$/, '');
  const out = fraction ? `${whole}.${fraction}` : whole;
  return out === '0' ? '0' : sign + out;
}

/** A finite number as its shortest decimal string, never in exponent notation. */
export function plainDecimal(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`不是有限的数值：${value}`);
  const s = String(value);
  const e = /^(-?)(\d+(?:\.\d+)?)e([+-]\d+)$/.exec(s);
  if (!e) return s;
  return `${e[1]}${shiftDecimal(e[2]!, Number(e[3]))}`;
}

/**
 * Converts a value given in `unit` to the indicator's `base` unit, or returns
 * `undefined` when the two are not compatible (e.g. 件 for a money indicator). Exact: the
 * decimal point moves, so `toBaseUnit(1.37, '万亿元', '亿元')` is `13700`, not 13700.000000000002.
 */
export function toBaseUnit(value: number | string, unit: string, base: string): number | undefined {
  const exp = unitExponent(unit, base);
  if (exp === undefined) return undefined;
  const text = typeof value === 'number' ? plainDecimal(value) : value;
  return Number(shiftDecimal(text, exp));
}

/** The inverse of {@link toBaseUnit}: a base value as a decimal string in `unit`. */
export function fromBaseUnit(value: number, base: string, unit: string): string | undefined {
  const exp = unitExponent(unit, base);
  if (exp === undefined) return undefined;
  return shiftDecimal(plainDecimal(value), -exp);
}
