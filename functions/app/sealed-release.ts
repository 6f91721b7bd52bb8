/**
 * Equal access at the release second: what the release (`lifecycle.ts`) needs of an embargo
 * printed ahead (`embargo.ts`, `sealEmbargo`). The edition is printed and stored before the
 * second under names no reader can guess; at the second the release writes the catalog entry
 * that lists them — one write — so the PDF, web edition, data, cover, feed, search, listings and
 * the API all show the issue from the same instant, and nothing of it before.
 */
import { randomBytes } from 'node:crypto';
import type { Draft, Numbering, SealedRelease } from '../core/lifecycle.ts';

/** A new random seal for the names of an embargo's files (16 hex). */
export function newSeal(): string {
  return randomBytes(8).toString('hex');
}

/**
 * The draft's edition printed ahead, when it is what this release would print: printed for the
 * same second, from the same inputs, with the number the release was given. Else undefined (the
 * release prints it again).
 */
export function sealedFit(
  draft: Pick<Draft, 'sealed'>,
  numbering: Numbering,
  planned: Date,
  inputHash: string,
): SealedRelease | undefined {
  const s = draft.sealed;
  if (!s) return undefined;
  const fits =
    Date.parse(s.plannedAt) === planned.getTime() &&
    s.inputHash === inputHash &&
    s.numbering.total === numbering.total &&
    s.numbering.year === numbering.year &&
    s.numbering.number === numbering.number;
  return fits ? s : undefined;
}

/**
 * Waits until `at` by the given clock (the cycle's `Clock`): a release prepared ahead of its
 * second writes its catalog entry at that second, not before. Returns at once when `at` has
 * passed. Sleeps in short steps so that a clock that jumps (a test's) is followed.
 */
export async function untilInstant(now: () => Date, at: Date): Promise<void> {
  for (;;) {
    const left = at.getTime() - now().getTime();
    if (left <= 0) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(left, 100)));
  }
}

/** Every archive key a sealed edition names (its PDF and the files beside it). */
export function sealedKeys(sealed: SealedRelease | undefined): string[] {
  return sealed ? [sealed.s3Key, ...sealed.otherKeys] : [];
}

/**
 * A draft as people and scripts see it (`bulletin drafts --json`, the operator API): its printed
 * edition's names stay inside, only that it was printed ahead, with which number, is shown.
 */
export function draftForPeople<D extends Pick<Draft, 'sealed'>>(
  draft: D,
): Omit<D, 'sealed'> & { printedAhead?: Numbering & { plannedAt: string; sealedAt: string } } {
  const { sealed, ...rest } = draft;
  return sealed
    ? {
        ...rest,
        printedAhead: {
          ...sealed.numbering,
          plannedAt: sealed.plannedAt,
          sealedAt: sealed.sealedAt,
        },
      }
    : rest;
}
