/**
 * The releases of one series in one process, numbered side by side.
 *
 * A release prints its number, so it must know the number before it prints, and the catalog
 * only learns the number when the numbered issue is written after the print. Releases running
 * at once in one process (the all-zones batch releases every profile at once) would all read
 * the same last number, all print it, and all but one would print again: 3.94 prints per zone
 * profile in the benchmark of 2026-11-30. In a line, each release takes the number after the
 * one before it *in this process* (or after the catalog's last, when none is in flight), prints
 * while the others print, and writes its issue only once the release before it has written
 * its own — so the numbers stay consecutive and the prints run side by side.
 *
 * The line is only an arrangement: the catalog's conditional write of the number stays the
 * judge (releases in other processes still race there and print again when they lose). When
 * the release before gives up (its render or a write failed), the ones after it take their
 * numbers again and print again — behind the releases still sound, never behind one that is
 * about to give up too. A release that neither writes nor gives up within `waitMs`
 * (a process stuck in a call, as good as dead) is left out of the line: the ones after it
 * number from the catalog as if it had never been.
 *
 * The series' counter (the catalog's `COUNTER`, what a release outside the line reads) is
 * written by the last release in flight, not after each issue: a release with another behind
 * it in the line leaves the counter to that one (the all-zones run wrote it once per profile,
 * 178 UpdateItems, where one at the end says the same). The last one writes it before it
 * leaves the line, so a release joining meanwhile follows it, not the counter. One that gives
 * up last hands back what the counter owes (`settle`). A process that dies with the counter
 * owed leaves it behind the catalog: the next release that finds its number taken advances it
 * to the series' newest issue (`putIssue`), one print lost.
 */
import type { Numbering } from '../core/lifecycle.ts';

export interface Place {
  /** The number this release prints (after the one before it in the line, or the catalog's). */
  readonly numbering: Promise<Numbering>;
  /**
   * Whether the release before this one wrote the number this one followed: true when it did
   * (or there was none), false when it gave up or did not finish within `waitMs`.
   */
  predecessorStored(waitMs: number): Promise<boolean>;
  /**
   * Whether no release in flight follows this one: it writes the series' counter itself (with
   * its own numbering, the newest of the line), before it settles.
   */
  last(): boolean;
  /**
   * This release wrote its issue (`true`) or gave up (`false`); later calls change nothing.
   * `counterWritten`: it advanced the counter to its numbering. Returns what the counter still
   * owes when nobody is left in flight to write it (the caller writes it), else undefined.
   */
  settle(stored: boolean, counterWritten?: boolean): Numbering | undefined;
}

interface Entry {
  numbering: Promise<Numbering>;
  stored: Promise<boolean>;
  settle(stored: boolean, counterWritten?: boolean): Numbering | undefined;
  /** Its numbering, once known. */
  value?: Numbering;
  /** Did not finish in time: nobody follows it any more. */
  abandoned: boolean;
}

export class NumberingLine {
  private readonly entries: Entry[] = [];
  /** The newest numbering written by a release of this line and not given to the counter. */
  private owed: Numbering | undefined;

  /** How many releases of this line are in flight (for tests and logs). */
  get inFlight(): number {
    return this.entries.filter((e) => !e.abandoned).length;
  }

  /**
   * Joins the line: the number is computed from the newest release in flight, or from
   * `lastStored()` when there is none. Synchronous up to the point where it is in the line, so
   * two releases joining at once never follow the same one.
   */
  join(lastStored: () => Promise<Numbering>, next: (last: Numbering) => Numbering): Place {
    const before = [...this.entries].reverse().find((e) => !e.abandoned);
    let settle!: (stored: boolean) => void;
    const stored = new Promise<boolean>((resolve) => (settle = resolve));
    const numbering = (before ? before.numbering.catch(lastStored) : lastStored()).then(next);
    // A failed lookup fails this release (the caller sees it through `numbering`); the line
    // must not hold an unhandled rejection meanwhile.
    numbering.catch(() => undefined);
    const entry: Entry = { numbering, stored, abandoned: false, settle: () => undefined };
    numbering.then((n) => (entry.value = n)).catch(() => undefined);
    entry.settle = (ok: boolean, counterWritten = false) => {
      const at = this.entries.indexOf(entry);
      if (at < 0) return undefined; // settled before
      if (ok && entry.value) {
        if (!counterWritten) this.owed = newer(entry.value, this.owed);
        else if (this.owed && this.owed.total <= entry.value.total) this.owed = undefined;
      }
      // Given up: every release after it followed a number that will not be written, and gives
      // up in turn. Nobody joins behind them meanwhile: a release numbering again after its
      // predecessor gave up would otherwise follow another one that is about to give up — two
      // such followed each other for ever, printing each time (`npm run bench`, 178 zones: a
      // refused release, then 0 zones done in 6 minutes; tests/unit/numbering-line.test.ts).
      // (One left out already has no followers of its own: they were left out with it, and
      // the releases that joined since follow others.)
      if (!ok && !entry.abandoned)
        for (const after of this.entries.slice(at + 1)) after.abandoned = true;
      this.entries.splice(at, 1);
      settle(ok);
      // Nobody left in flight to write the counter (a release left out as hung is not waited
      // for): the caller writes what it owes.
      if (this.entries.some((e) => !e.abandoned)) return undefined;
      const owed = this.owed;
      this.owed = undefined;
      return owed;
    };
    this.entries.push(entry);
    return {
      numbering,
      settle: entry.settle,
      last: () => !this.entries.slice(this.entries.indexOf(entry) + 1).some((e) => !e.abandoned),
      predecessorStored: async (waitMs: number) => {
        if (!before) return true;
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), waitMs);
        });
        try {
          const outcome = await Promise.race([before.stored, late]);
          if (outcome !== 'late') return outcome;
          before.abandoned = true;
          return false;
        } finally {
          clearTimeout(timer);
        }
      },
    };
  }
}

const lines = new WeakMap<object, Map<string, NumberingLine>>();

/** The line of `series` among the releases that share this catalog object (one process). */
export function numberingLineOf(catalog: object, series: string): NumberingLine {
  let bySeries = lines.get(catalog);
  if (!bySeries) lines.set(catalog, (bySeries = new Map()));
  let line = bySeries.get(series);
  if (!line) bySeries.set(series, (line = new NumberingLine()));
  return line;
}

/** The later of two numberings (by total). */
function newer(a: Numbering, b: Numbering | undefined): Numbering {
  return b && b.total > a.total ? b : a;
}
