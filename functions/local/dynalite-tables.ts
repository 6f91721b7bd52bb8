/**
 * dynalite reads a table's description from LevelDB on every request (`getTable`: a `get` on
 * libuv's thread pool, a promise, a `setImmediate` and a JSON decode; ≈ a third of its LevelDB
 * gets in the stores' profile), although it changes only by CreateTable, UpdateTable and
 * DeleteTable. {@link tableDescriptionsKept} keeps each description as read, as its JSON text,
 * and answers the next read of it by decoding that text: the same value LevelDB would give (the
 * stored value is that JSON), a new object on each read as before (dynalite changes the object
 * it is given), its callback called later as before (`setImmediate`).
 *
 * What is kept is only ever what LevelDB answered, and it is dropped by any write of the table
 * entry: every `put`/`del`/`batch` on dynalite's table database drops that entry (a batch, all
 * entries) when it is issued and again when it completes, and a read that was in flight while
 * a write of its entry was issued or pending is not kept (it may have read the old value). So
 * a table created, updated (status, indexes) or deleted is seen by the next request exactly as
 * LevelDB holds it. A "not found" is never kept (its next read goes to LevelDB), nor a decode
 * error. Once the database is closing or closed, reads go to LevelDB (which refuses them).
 * The patch is made on dynalite's `db.create`, which its server calls once for its store.
 */
import { createRequire } from 'node:module';

type Callback = (err: Error | null | undefined, value?: unknown) => void;

interface TableDb {
  get(key: string, cb: Callback): unknown;
  put(key: string, value: unknown, cb?: Callback): unknown;
  del(key: string, cb?: Callback): unknown;
  batch(ops: { key: string }[], cb?: Callback): unknown;
}

interface DynaliteStore {
  tableDb: TableDb;
  lifecycleManager?: { getState(): string };
}

interface DynaliteDb {
  create(options: unknown): DynaliteStore;
}

/** dynalite's `db` module, as its server requires it (`require('./db')`). */
const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));

const PATCHED = Symbol.for('torch-bulletin.dynalite-tables');

/** Counts of descriptions served from memory and read from LevelDB (for the tests). */
export const tableReads = { kept: 0, fromLevel: 0 };

/** Keeps dynalite's table descriptions between requests (once a process; see above). */
export function tableDescriptionsKept(): void {
  const db = fromDynalite('./db') as DynaliteDb & Record<symbol, boolean>;
  if (db[PATCHED]) return;
  db[PATCHED] = true;
  const create = db.create;
  db.create = function (this: unknown, options: unknown) {
    const store = create.call(this, options);
    keepDescriptions(store);
    return store;
  };
}

function keepDescriptions(store: DynaliteStore): void {
  const tableDb = store.tableDb;
  const { get, put, del, batch } = tableDb;
  /** A table's description as LevelDB answered it last, as JSON. */
  const kept = new Map<string, string>();
  /** Writes issued per table, and those not yet completed. */
  const writes = new Map<string, number>();
  const pending = new Map<string, number>();
  /** Writes of many entries at once (a batch) issued; reads across one are not kept. */
  let batches = 0;
  let batchesPending = 0;

  const open = () => (store.lifecycleManager?.getState() ?? 'open') === 'open';
  /** A write of `key` issued (+1) or completed (−1). */
  const edge = (key: string, delta: number) => () => {
    kept.delete(key);
    writes.set(key, (writes.get(key) ?? 0) + 1);
    const left = (pending.get(key) ?? 0) + delta;
    if (left) pending.set(key, left);
    else pending.delete(key);
  };
  /** `issue`d between `begin()` and `end()`, whether it takes a callback or returns a promise. */
  const tracked = (
    begin: () => void,
    end: () => void,
    issue: (cb?: Callback) => unknown,
    cb?: Callback,
  ) => {
    begin();
    if (typeof cb === 'function')
      return issue((err, value) => {
        end();
        cb(err, value);
      });
    const result = issue();
    if (result && typeof (result as Promise<unknown>).finally === 'function')
      return (result as Promise<unknown>).finally(end);
    end();
    return result;
  };

  tableDb.get = (key, cb) => {
    if (typeof cb !== 'function') return (get as (key: string) => unknown).call(tableDb, key);
    const json = open() ? kept.get(key) : undefined;
    if (json !== undefined) {
      tableReads.kept++;
      setImmediate(cb, null, JSON.parse(json));
      return;
    }
    tableReads.fromLevel++;
    const before = writes.get(key) ?? 0;
    const batchesBefore = batches;
    return get.call(tableDb, key, (err, value) => {
      if (
        !err &&
        value !== null &&
        typeof value === 'object' &&
        (writes.get(key) ?? 0) === before &&
        !pending.has(key) &&
        batches === batchesBefore &&
        batchesPending === 0 &&
        open()
      )
        kept.set(key, JSON.stringify(value));
      cb(err, value);
    });
  };
  tableDb.put = (key, value, cb) =>
    tracked(edge(key, 1), edge(key, -1), (done) => put.call(tableDb, key, value, done), cb);
  tableDb.del = (key, cb) =>
    tracked(edge(key, 1), edge(key, -1), (done) => del.call(tableDb, key, done), cb);
  const batchEdge = (delta: number) => () => {
    kept.clear();
    batches++;
    batchesPending += delta;
  };
  tableDb.batch = (ops, cb) =>
    tracked(batchEdge(1), batchEdge(-1), (done) => batch.call(tableDb, ops, done), cb);
}
