/**
 * Units accepted in input files and the base unit each converts to. Money is stored in
 * 亿元; counts in their plain unit; rates in %.
 */
export const BASE_UNITS = ['亿元', '%', '家', '件', '人', '万人', '点', '个', '项'] as const;
export type BaseUnit = (typeof BASE_UNITS)[number];

/** input unit → [base unit, factor to multiply by]. */
const CONVERSIONS: Record<string, [BaseUnit, number][]> = {
  万亿元: [['亿元', 10_000]],
  亿元: [['亿元', 1]],
  万元: [['亿元', 1 / 10_000]],
  元: [['亿元', 1 / 100_000_000]],
  '%': [['%', 1]],
  家: [['家', 1]],
  万家: [['家', 10_000]],
  件: [['件', 1]],
  万件: [['件', 10_000]],
  人: [
    ['人', 1],
    ['万人', 1 / 10_000],
  ],
  万人: [
    ['万人', 1],
    ['人', 10_000],
  ],
  点: [['点', 1]],
  个: [['个', 1]],
  项: [['项', 1]],
};

export const INPUT_UNITS = Object.keys(CONVERSIONS);

/**
 * Converts a value given in `unit` to the indicator's `base` unit, or returns
 * `undefined` when the two are not compatible (e.g. 件 for a money indicator).
 */
export function toBaseUnit(value: number, unit: string, base: string): number | undefined {
  const options = CONVERSIONS[unit.trim()];
  const match = options?.find(([b]) => b === base);
  if (!match) return undefined;
  // Round away binary noise from the factor (19.3 × 10000 must be 193000 exactly).
  return Number((value * match[1]).toPrecision(12));
}
