/**
 * Rankings with ties: equal values share a rank and the next rank skips (1, 2, 2, 4).
 */
export interface Ranked<T> {
  rank: number;
  tied: boolean;
  item: T;
  value: number;
}

export function rank<T>(
  items: T[],
  value: (item: T) => number,
  higherIsBetter = true,
  decimals = 6,
): Ranked<T>[] {
  const factor = 10 ** decimals;
  const keyed = items.map((item) => ({
    item,
    value: value(item),
    key: Math.round(value(item) * factor),
  }));
  keyed.sort((a, b) => (higherIsBetter ? b.key - a.key : a.key - b.key));
  const out: Ranked<T>[] = [];
  keyed.forEach((k, i) => {
    const prev = out[i - 1];
    const rankNo = prev && keyed[i - 1]!.key === k.key ? prev.rank : i + 1;
    out.push({ rank: rankNo, tied: false, item: k.item, value: k.value });
  });
  // Counted once per rank (not per item): ranking every zone stays linear after the sort.
  const perRank = new Map<number, number>();
  for (const r of out) perRank.set(r.rank, (perRank.get(r.rank) ?? 0) + 1);
  for (const r of out) r.tied = perRank.get(r.rank)! > 1;
  return out;
}
