/**
 * dynalite 4 reads its tables (Query, Scan, ListTables, DeleteTable) through `abstract-level` 3
 * iterators that it wraps in a stream, and ends them with `iterator.return()` — a method those
 * iterators do not have (they end with `close()`). So no iterator dynalite opens is ever
 * closed: each stays in its database's resource set for the life of the process, and on
 * LevelDB (`classic-level`) each holds a snapshot of the memtables and table files of the
 * moment it was opened, so every memtable written since the stores started stays in memory.
 * The stores' process grew with what was written (2.3 GB in the 178-zone benchmark; 850 MB
 * after 100 MB of 50 kB items each followed by a Query).
 *
 * `closeLevelIterators()` gives the iterator classes the `return()` dynalite calls, closing the
 * iterator (abstract-level defers the close until a read in progress ends). A stream ends its
 * iterator when it is read to the end (auto-destroy) or when dynalite stops reading early (a
 * Query's `Limit` or 1 MB page). `openLevelIterators()` counts the iterators open now (and
 * `openedLevelIterators()` all opened), for the tests and the stores' memory report.
 */
import { createRequire } from 'node:module';

interface IteratorClass {
  prototype: { close(): Promise<void>; return?: () => Promise<void> };
}
interface AbstractLevelModule {
  AbstractIterator: IteratorClass;
  AbstractKeyIterator: IteratorClass;
  AbstractValueIterator: IteratorClass;
  AbstractLevel: {
    prototype: { attachResource(r: unknown): void; detachResource(r: unknown): void };
  };
}

const require = createRequire(import.meta.url);

/** Every copy of abstract-level that dynalite's stores (LevelDB and in memory) are built on. */
function abstractLevelCopies(): AbstractLevelModule[] {
  const fromDynalite = createRequire(require.resolve('dynalite'));
  const copies = new Set<string>();
  for (const [pkg, dep] of [
    ['level', 'classic-level'],
    ['memory-level', undefined],
  ] as const) {
    const pkgRequire = createRequire(fromDynalite.resolve(pkg));
    const base = dep ? createRequire(pkgRequire.resolve(dep)) : pkgRequire;
    copies.add(base.resolve('abstract-level'));
  }
  return [...copies].map((path) => require(path) as AbstractLevelModule);
}

const PATCHED = Symbol.for('torch-bulletin.level-iterators');
let open = 0;
let opened = 0;

/** Makes every abstract-level iterator close on `return()` (idempotent, process-wide). */
export function closeLevelIterators(): void {
  for (const mod of abstractLevelCopies()) {
    const marks = mod as unknown as Record<symbol, boolean>;
    if (marks[PATCHED]) continue;
    marks[PATCHED] = true;
    const classes = [mod.AbstractIterator, mod.AbstractKeyIterator, mod.AbstractValueIterator];
    for (const cls of classes) {
      cls.prototype.return ??= function (this: { close(): Promise<void> }) {
        return this.close();
      };
    }
    const isIterator = (r: unknown) =>
      classes.some((cls) => r instanceof (cls as unknown as new () => unknown));
    const db = mod.AbstractLevel.prototype;
    const attach = db.attachResource;
    const detach = db.detachResource;
    db.attachResource = function (this: unknown, resource: unknown) {
      if (isIterator(resource)) {
        open++;
        opened++;
      }
      attach.call(this, resource);
    };
    db.detachResource = function (this: unknown, resource: unknown) {
      if (isIterator(resource)) open--;
      detach.call(this, resource);
    };
  }
}

/** Iterators opened and not yet closed, over every database of this process. */
export function openLevelIterators(): number {
  return open;
}

/** Iterators opened since `closeLevelIterators()` (0 when it was never called). */
export function openedLevelIterators(): number {
  return opened;
}
