/**
 * Chinese number, growth and date formatting as the bulletin prints them.
 *
 * @example
 * formatGrowthCell(7.6)  // "7.6%"
 * formatPointGap(5.5)    // "高5.5个百分点"
 *
 * Record values print as reported (core/numbers.ts), never through a rounding formatter.
 */

/** Rounds half away from zero to `decimals` places and drops trailing zeros (`2.0` → `2`). */
export function formatNumber(value: number, decimals = 1): string {
  if (!Number.isFinite(value)) throw new Error(`无法格式化数值 ${value}`);
  const factor = 10 ** decimals;
  const rounded =
    (Math.sign(value) * Math.round(Math.abs(value) * factor + Number.EPSILON)) / factor;
  let text = rounded.toFixed(decimals);
  if (text.includes('.')) text = text.replace(/0+$/, '').replace(/\.$/, '');
  return text === '-0' ? '0' : text;
}

/** Growth for a table cell: `7.6%`, `-2.1%`, `持平`. */
export function formatGrowthCell(pct: number, decimals = 1): string {
  const shown = formatNumber(pct, decimals);
  return shown === '0' ? '持平' : `${shown}%`;
}

/** A difference in percentage points: `高5.5个百分点`, `低1.2个百分点`, `持平`. */
export function formatPointGap(points: number, decimals = 1): string {
  const shown = formatNumber(Math.abs(points), decimals);
  if (shown === '0') return '持平';
  return `${points > 0 ? '高' : '低'}${shown}个百分点`;
}

/** A calendar date in Chinese: `2022年12月15日` (the date as seen in `timeZone`). */
export function formatDateZh(date: Date, timeZone = 'Asia/Shanghai'): string {
  const { year, month, day } = datePartsIn(date, timeZone);
  return `${year}年${month}月${day}日`;
}

/** One formatter per time zone: making an `Intl.DateTimeFormat` costs far more than using it. */
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** Year, month and day of an instant in a time zone. */
export function datePartsIn(date: Date, timeZone = 'Asia/Shanghai') {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
    });
    dayFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(date);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day') };
}

/** The issue line of a bulletin: `2024年第21期(总第550期)`. */
export function formatIssueLine(year: number, number: number, total: number): string {
  return `${year}年第${number}期(总第${total}期)`;
}

const DIGITS = '零一二三四五六七八九';

/** Small integers in Chinese numerals (1–99), for ordinals such as `第三`. */
export function chineseNumeral(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 99) return String(n);
  if (n < 10) return DIGITS[n]!;
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return `${tens === 1 ? '' : DIGITS[tens]}十${ones ? DIGITS[ones] : ''}`;
}
