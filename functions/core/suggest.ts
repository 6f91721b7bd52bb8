/**
 * "Did you mean …?" for names people type (zones, regions, indicators): the candidates whose
 * names contain what was typed (成都 → 成都高新区) or that it contains, then the closest by edit
 * distance (fastest-levenshtein), at most `limit`, best first. Pure.
 */
import { distance } from 'fastest-levenshtein';

export interface NameCandidate {
  /** What to print, e.g. `成都高新区 (chengdu)`. */
  label: string;
  /** Every name the candidate answers to (id, name, short name, aliases). */
  names: string[];
}

const norm = (s: string) => s.normalize('NFKC').replace(/\s+/g, '').toLowerCase();

export function closestNames(query: string, candidates: NameCandidate[], limit = 3): string[] {
  const q = norm(query);
  if (!q) return [];
  const scored = candidates.map((c) => {
    let best = Number.POSITIVE_INFINITY;
    for (const raw of c.names) {
      const name = norm(raw);
      if (!name) continue;
      // Containment either way is the strongest hint; shorter leftovers rank first.
      const score =
        name.includes(q) || q.includes(name)
          ? Math.abs(name.length - q.length) / 100
          : distance(q, name) / Math.max(q.length, name.length);
      if (score < best) best = score;
    }
    return { label: c.label, score: best };
  });
  return scored
    .filter((s) => s.score <= 0.5)
    .sort((a, b) => a.score - b.score || a.label.localeCompare(b.label))
    .slice(0, limit)
    .map((s) => s.label);
}

/** `；是否要找 成都高新区、成都天府…？` or an empty string. */
export function didYouMean(query: string, candidates: NameCandidate[], limit = 3): string {
  const names = closestNames(query, candidates, limit);
  return names.length ? `；是否要找 ${names.join('、')}？` : '';
}
