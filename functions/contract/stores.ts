/**
 * The one source of truth for tables and buckets, read by the CDK stack (`infra/`) and by
 * the local bootstrap (`bulletin bootstrap`, `npm start`). Plain data: no SDK types, no
 * imports — part of the contract `infra/` may import (see ./index.ts).
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
  /**
   * DynamoDB TTL attribute (epoch seconds) of the items that expire, if any. DynamoDB deletes
   * such items up to a few days late and dynalite never does: readers must treat an item whose
   * `expiresAt` lies in the past as absent ({@link isExpired}).
   */
  ttlAttribute?: typeof TTL_ATTRIBUTE;
}

/** The one TTL attribute name of every table (epoch seconds, a Number). */
export const TTL_ATTRIBUTE = 'expiresAt';

/** Pending (unconfirmed) subscriptions are dropped after this many seconds (7 days). */
export const PENDING_SUBSCRIPTION_TTL_SECONDS = 7 * 24 * 3600;

/** Whether an item carrying {@link TTL_ATTRIBUTE} has expired at `nowMs`. */
export function isExpired(item: Record<string, unknown> | undefined, nowMs = Date.now()): boolean {
  const v = item?.[TTL_ATTRIBUTE];
  return typeof v === 'number' && v * 1000 <= nowMs;
}

/** The {@link TTL_ATTRIBUTE} value for an item that lives `seconds` from `nowMs`. */
export function expiresIn(seconds: number, nowMs = Date.now()): number {
  return Math.floor(nowMs / 1000) + seconds;
}

const S = (name: string): KeyDef => ({ name, type: 'S' });

/**
 * Records table items (see docs in README "Data model"):
 * - current value `pk=P#<period>`, `sk=<zone>#<indicator>`, with `gsi1` = series of one
 *   (zone, indicator) by period and `gsi2` = everything of one zone;
 * - revisions `pk=R#<zone>#<indicator>#<period>`, `sk=<revision, 6 digits>` (every revision
 *   but the current one; kept forever);
 * - period index `pk=PERIODS#<granularity>`, `sk=<period>` (latest period = Query desc, Limit 1);
 * - editor articles `pk=A#<series>#<period>`, `sk=<id>`; their revisions
 *   `pk=AR#<series>#<period>#<id>`, `sk=<revision>`;
 * - ingest batches `pk=BATCH#<id>` (header `sk=-` with the status that makes a batch visible,
 *   journal `sk=J#…`) and the ingest lock `pk=INGEST#LOCK` (see `record-store.ts`);
 * - the data version `pk=DATA#VERSION`, `sk=-`: the id of the last batch that may have changed
 *   what reads return, written before that batch becomes visible (`RecordStore.dataVersion`);
 * - packs: every current record of one (zone, period) in one item, under its zone
 *   `pk=ZONE#<zone>`, `sk=<period>` (a zone's records in one Query of ≈ 15 items) and under its
 *   period `pk=PACKS#<period>`, `sk=<zone>` (a period's in one Query of ≈ 180), kept by every
 *   batch once the marker `pk=ZONES#PACKED`, `sk=2` is there (see `record-store.ts`).
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
  ttlAttribute: TTL_ATTRIBUTE,
};

/** Subscribers: `pk=SUB#<series>`, `sk=<address hash>`; tokens via `gsi1`. */
export const SUBSCRIBERS_TABLE: TableDefinition = {
  id: 'subscribers',
  envVar: 'BULLETIN_SUBSCRIBERS_TABLE',
  partitionKey: S('pk'),
  sortKey: S('sk'),
  globalIndexes: [{ name: 'gsi1', partitionKey: S('gsi1pk'), sortKey: S('gsi1sk') }],
  critical: true,
  ttlAttribute: TTL_ATTRIBUTE,
};

export const TABLES = [RECORDS_TABLE, ISSUES_TABLE, SUBSCRIBERS_TABLE] as const;

export const ARCHIVE_BUCKET = {
  envVar: 'BULLETIN_ARCHIVE_BUCKET',
  /** Published issues live under this prefix; previews under `previews/`. */
  issuesPrefix: 'issues/',
  /** Drafts awaiting review (样稿, no number); removed when decided, expired when abandoned. */
  draftsPrefix: 'drafts/',
  previewsPrefix: 'previews/',
  /**
   * Data workbooks, each made on the first download of a released issue's data (by the API,
   * which writes nothing else) and named by its content.
   */
  workbooksPrefix: 'workbooks/',
  /**
   * Covers (page 1 as PNG), each made on the first request of a released issue's cover (by the
   * cover function on AWS, which writes nothing else) and named by its content.
   */
  coversPrefix: 'covers/',
  /** Results of the all-zones Distributed Map (Step Functions ResultWriter). */
  fanoutResultsPrefix: 'fanout-results/',
} as const;

/**
 * The upload inbox in the archive bucket: analysts drop statistics files under `uploads/`;
 * the ingest function moves each to `ingested/` or `rejected/`.
 */
export const INBOX_PREFIXES = {
  uploads: 'uploads/',
  ingested: 'ingested/',
  rejected: 'rejected/',
} as const;

/** Default physical names when the environment names none (local mode). */
export const DEFAULT_NAMES = {
  records: 'torch-bulletin-records',
  issues: 'torch-bulletin-issues',
  subscribers: 'torch-bulletin-subscribers',
  bucket: 'torch-bulletin-archive',
} as const;
