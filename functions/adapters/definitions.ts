/**
 * The one source of truth for tables and buckets, read by the CDK stack (`infra/`) and by
 * the local bootstrap (`bulletin bootstrap`, `npm start`). Plain data: no SDK types.
 */
export interface KeyDef {
  name: string;
  type: 'S' | 'N';
}

export interface TableDefinition {
  /** Logical id, also the suffix of the physical name (`torch-bulletin-records`). */
  id: 'records' | 'issues' | 'subscribers';
  /** Environment variable holding the physical name. */
  envVar: string;
  partitionKey: KeyDef;
  sortKey: KeyDef;
  globalIndexes: { name: string; partitionKey: KeyDef; sortKey: KeyDef }[];
  /** Data that cannot be rebuilt from `data/`: deletion protection on AWS. */
  critical: boolean;
}

const S = (name: string): KeyDef => ({ name, type: 'S' });

/**
 * Records table items (see docs in README "Data model"):
 * - current value `pk=P#<period>`, `sk=<zone>#<indicator>`, with `gsi1` = series of one
 *   (zone, indicator) by period and `gsi2` = everything of one zone;
 * - revisions `pk=R#<zone>#<indicator>#<period>`, `sk=<revision, 6 digits>` (kept forever);
 * - period index `pk=PERIODS#<granularity>`, `sk=<period>` (latest period = Query desc, Limit 1);
 * - editor articles `pk=A#<series>#<period>`, `sk=<id>`.
 */
export const RECORDS_TABLE: TableDefinition = {
  id: 'records',
  envVar: 'BULLETIN_RECORDS_TABLE',
  partitionKey: S('pk'),
  sortKey: S('sk'),
  globalIndexes: [
    { name: 'gsi1', partitionKey: S('gsi1pk'), sortKey: S('gsi1sk') },
    { name: 'gsi2', partitionKey: S('gsi2pk'), sortKey: S('gsi2sk') },
  ],
  critical: true,
};

/**
 * Issues table items:
 * - issue `pk=SERIES#<series>`, `sk=N#<total, 8 digits>` (newest first = Query desc);
 * - the series counter `pk=SERIES#<series>`, `sk=COUNTER` (last total, year, number in year);
 * - slot claims `pk=SERIES#<series>`, `sk=SLOT#<slot key>` → the total assigned to that slot;
 * - `gsi1` finds the issue item written for a slot (`gsi1pk=SLOT#<series>#<slot key>`), so a
 *   retried claim that crashed after numbering finds its number instead of taking another.
 */
export const ISSUES_TABLE: TableDefinition = {
  id: 'issues',
  envVar: 'BULLETIN_ISSUES_TABLE',
  partitionKey: S('pk'),
  sortKey: S('sk'),
  globalIndexes: [{ name: 'gsi1', partitionKey: S('gsi1pk'), sortKey: S('gsi1sk') }],
  critical: true,
};

/** Subscribers: `pk=SUB#<series>`, `sk=<address hash>`; tokens via `gsi1`. */
export const SUBSCRIBERS_TABLE: TableDefinition = {
  id: 'subscribers',
  envVar: 'BULLETIN_SUBSCRIBERS_TABLE',
  partitionKey: S('pk'),
  sortKey: S('sk'),
  globalIndexes: [{ name: 'gsi1', partitionKey: S('gsi1pk'), sortKey: S('gsi1sk') }],
  critical: true,
};

export const TABLES = [RECORDS_TABLE, ISSUES_TABLE, SUBSCRIBERS_TABLE] as const;

export const ARCHIVE_BUCKET = {
  envVar: 'BULLETIN_ARCHIVE_BUCKET',
  /** Published issues live under this prefix; previews under `previews/`. */
  issuesPrefix: 'issues/',
  previewsPrefix: 'previews/',
} as const;

/** Default physical names when the environment names none (local mode). */
export const DEFAULT_NAMES = {
  records: 'torch-bulletin-records',
  issues: 'torch-bulletin-issues',
  subscribers: 'torch-bulletin-subscribers',
  bucket: 'torch-bulletin-archive',
} as const;
