/**
 * The issue catalog's DynamoDB adapters, one table: the reader side (`IssueCatalog`: the archive,
 * the API and the feeds read released issues) and the editorial cycle's side
 * (`LifecycleCatalog`: drafts, numbering at release, corrections, withdrawals, triggers and runs).
 * Numbers are taken with conditional writes, no transactions (dynalite has none): the release's
 * put of `N#<total>` with `attribute_not_exists` is the release; see the cycle's items below.
 */
import { formatBeijing } from '../../core/time.ts';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import {
  ConflictError,
  ItemTooLargeError,
  LeaseHeldError,
  NotFoundError,
  StoreError,
} from '../../errors.ts';
import type { Issue } from '../../core/model.ts';
import {
  DRAFT_TRANSITIONS,
  OPEN_DRAFT_STATES,
  parseDraftId,
  parseIssueId,
  refusalOf,
  type Draft,
  type DraftStatus,
  type PrintedRecord,
} from '../../core/lifecycle.ts';
import {
  startOfRunOnTrigger,
  type IssueCatalog,
  type LifecycleCatalog,
  type Run,
  type Trigger,
} from '../../app/ports.ts';
import { batchGet, queryAll, queryPages } from './paged-query.ts';

export { draftIdFor, issueId, parseDraftId, parseIssueId } from '../../core/lifecycle.ts';

const numberKey = (total: number) => `N#${String(total).padStart(8, '0')}`;

export function createDynamoIssueCatalog(
  documents: DynamoDBDocumentClient,
  tableName: string,
): IssueCatalog {
  async function getItem(pk: string, sk: string) {
    const out = await documents.send(
      new GetCommand({ TableName: tableName, Key: { pk, sk }, ConsistentRead: true }),
    );
    return out.Item;
  }

  async function issueByTotal(series: string, total: number): Promise<Issue | undefined> {
    const item = await getItem(`SERIES#${series}`, numberKey(total));
    return item ? toIssue(item) : undefined;
  }

  /**
   * One conditional write of what a released issue's first request made (its workbook, its
   * cover): only while it is published and `condition` holds. @returns the issue as it then
   * stands (another request's when that one was first; undefined when there is no such issue).
   */
  const recordOnce = async (
    id: string,
    w: { set: string; condition: string; names: Record<string, string>; values: object },
  ): Promise<Issue | undefined> => {
    const parsed = parseIssueId(id);
    if (!parsed) return undefined;
    try {
      const out = await documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: `SERIES#${parsed.series}`, sk: numberKey(parsed.total) },
          UpdateExpression: w.set,
          ConditionExpression: `#s = :published AND ${w.condition}`,
          ExpressionAttributeNames: { '#s': 'status', ...w.names },
          ExpressionAttributeValues: { ...w.values, ':published': 'published' },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toIssue(out.Attributes ?? {});
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      return issueByTotal(parsed.series, parsed.total);
    }
  };
  return {
    async get(id) {
      const parsed = parseIssueId(id);
      if (!parsed) return undefined;
      return issueByTotal(parsed.series, parsed.total);
    },

    async list(series, opts = {}) {
      const limit = Math.min(Math.max(opts.limit ?? 20, 1), 100);
      const items: Issue[] = [];
      let next: Record<string, unknown> | undefined;
      const pages = queryPages(
        documents,
        {
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :n)',
          ...(opts.status
            ? {
                FilterExpression: '#s = :s',
                ExpressionAttributeNames: { '#s': 'status' },
                ExpressionAttributeValues: {
                  ':pk': `SERIES#${series}`,
                  ':n': 'N#',
                  ':s': opts.status,
                },
              }
            : { ExpressionAttributeValues: { ':pk': `SERIES#${series}`, ':n': 'N#' } }),
          ScanIndexForward: false,
          ...(opts.cursor
            ? { ExclusiveStartKey: { pk: `SERIES#${series}`, ...decodeCursor(opts.cursor) } }
            : {}),
        },
        { limit },
      );
      for await (const page of pages) {
        items.push(...page.items.map(toIssue));
        next = page.next;
      }
      return { items, ...(next ? { cursor: encodeCursor(next) } : {}) };
    },

    async listReleased(series, fields) {
      const read = [...new Set<keyof Issue>(['id', ...fields])];
      const names = Object.fromEntries(read.map((f, i) => [`#f${i}`, f]));
      const items = await queryAll(documents, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :n)',
        FilterExpression: '#status = :s',
        ProjectionExpression: Object.keys(names).join(', '),
        ExpressionAttributeNames: { ...names, '#status': 'status' },
        ExpressionAttributeValues: { ':pk': `SERIES#${series}`, ':n': 'N#', ':s': 'published' },
        ScanIndexForward: false,
      });
      return items.map(toIssue);
    },

    async latest(series) {
      const { items } = await this.list(series, { limit: 1, status: 'published' });
      return items[0];
    },

    recordWorkbook(id, made) {
      // Once per data file: the first download's workbook is the one kept, and a correction
      // that replaced the data file (a new `json`) is not given the old one.
      return recordOnce(id, {
        set: 'SET dataKeys.xlsx = :x, dataKeys.sha256.xlsx = :h',
        condition: 'dataKeys.#json = :j AND attribute_not_exists(dataKeys.xlsx)',
        names: { '#json': 'json' },
        values: { ':x': made.xlsx, ':h': made.sha256, ':j': made.json },
      });
    },

    recordCover(id, made) {
      // Once per source: the first request's cover is the one kept, and a correction that
      // stored a new source (a new edition) is not given the old edition's cover.
      return recordOnce(id, {
        set: 'SET coverKeys.png = :p, coverKeys.sha256.png = :h, coverKeys.#size = :z',
        condition: 'coverKeys.#src = :src AND attribute_not_exists(coverKeys.png)',
        names: { '#src': 'source', '#size': 'size' },
        values: { ':p': made.png, ':h': made.sha256, ':z': made.size, ':src': made.source },
      });
    },
  };
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ sk: key.sk })).toString('base64url');
}

function decodeCursor(cursor: string): Record<string, unknown> {
  try {
    const { sk } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { sk: unknown };
    if (typeof sk !== 'string' || !/^N#\d{8}$/.test(sk)) throw new Error('翻页游标 (cursor) 有误');
    return { sk };
  } catch (err) {
    throw new NotFoundError('catalog', '翻页游标 (cursor) 无效', { cause: err });
  }
}

function toIssue(item: Record<string, unknown>): Issue {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, printed: _printed, ...rest } = item;
  const issue = rest as unknown as Issue;
  const stored: unknown = rest.recordPages;
  // Packed as stored (`packedFields`); unpacked when read, once (a plan lists every release).
  if (typeof stored === 'string') {
    let unpacked: Issue['recordPages'];
    Object.defineProperty(issue, 'recordPages', {
      enumerable: true,
      configurable: true,
      get: () => (unpacked ??= unpackJson(stored) as Issue['recordPages']),
      set: (value: Issue['recordPages']) => {
        unpacked = value;
      },
    });
  }
  return issue;
}

/**
 * An issue's fields as stored: `recordPages` packed as `printed` is (a zone profile among 178
 * zones kept every zone's record its ranks and counts compared until issue 27, ≈ 6 700 keys and
 * 285 kB as JSON: with its packed records the item passed DynamoDB's 400 KB and every release
 * of the all-zones run was refused; such items are still read). Now ≈ 300 keys, 2 kB packed.
 */
function packedFields<T extends { recordPages?: unknown }>(fields: T): T {
  if (fields.recordPages === undefined || typeof fields.recordPages === 'string') return fields;
  return { ...fields, recordPages: packJson(fields.recordPages) };
}

/**
 * DynamoDB's refusal of an item over 400 KB as an error that says which and how large, and is
 * not retried (the same item is refused again); any other error as it is.
 */
function tooLarge(err: unknown, what: string, item: Record<string, unknown>): unknown {
  const message = err instanceof Error ? err.message : '';
  if (!/item size has exceeded/i.test(message)) return err;
  const kb = (value: unknown) => Math.round(Buffer.byteLength(JSON.stringify(value) ?? '') / 1024);
  const largest = Object.entries(item)
    .map(([name, value]) => [name, kb(value)] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([name, size]) => `${name} ${size} kB`)
    .join('、');
  return new ItemTooLargeError(
    'catalog',
    `${what} 的目录条目约 ${kb(item)} kB，超过 DynamoDB 单条 400 KB 的上限，未写入（最大的字段：${largest}）`,
    { cause: err },
  );
}

// ───────────────────────────── the editorial cycle ─────────────────────────────
//
// Items of the issues table used by the cycle (pk `SERIES#<series>` unless said):
// - draft `D#<draft id>`; while open, `gsi1pk=OPEN#DRAFTS` / `gsi1sk=<createdAt>#<id>`
//   (a sparse index: deciding a draft removes it);
// - issue `N#<total>` (written once, by the release that numbers it), with
//   `gsi1pk=REPORT#<series>#<report key>` / `gsi1sk=N#<total>` (latest release of a report);
// - `COUNTER` (last released total, year, number in year);
// - trigger `TRIGGER#<slot key>`: which run owns the slot (lease), the request's parameter
//   hash, and what came of it;
// - run `pk=RUN#<run id>`, `sk=RUN`, listed newest first through `gsi1pk=RUNS`.

const OPEN = 'OPEN#DRAFTS';
const draftKey = (id: string) => ({
  pk: `SERIES#${parseDraftId(id)?.series ?? '?'}`,
  sk: `D#${id}`,
});

export function createDynamoLifecycleCatalog(
  documents: DynamoDBDocumentClient,
  tableName: string,
): LifecycleCatalog {
  const component = 'lifecycle';
  const conditional = (err: unknown) => err instanceof ConditionalCheckFailedException;

  async function getItem(pk: string, sk: string) {
    const out = await documents.send(
      new GetCommand({ TableName: tableName, Key: { pk, sk }, ConsistentRead: true }),
    );
    return out.Item;
  }

  async function getDraft(id: string): Promise<Draft | undefined> {
    if (!parseDraftId(id)) return undefined;
    const key = draftKey(id);
    const item = await getItem(key.pk, key.sk);
    return item ? toDraft(item) : undefined;
  }

  /** After a refused conditional write: why, in an operator's words. */
  async function refusedDraft(id: string, action: Parameters<typeof refusalOf>[1]) {
    const now = await getDraft(id);
    return new ConflictError(
      component,
      refusalOf(`稿件 ${id}`, action, now?.status) ?? `稿件 ${id} 刚被改动，请重试`,
    );
  }

  async function issueByTotal(series: string, total: number) {
    const item = await getItem(`SERIES#${series}`, numberKey(total));
    return item ? toIssue(item) : undefined;
  }

  /** The numbering of the series' newest issue (the highest total), read from the issues. */
  async function newestNumbering(series: string) {
    const out = await documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :n)',
        ProjectionExpression: '#t, #y, #n',
        ExpressionAttributeNames: { '#t': 'total', '#y': 'year', '#n': 'number' },
        ExpressionAttributeValues: { ':pk': `SERIES#${series}`, ':n': 'N#' },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = out.Items?.[0];
    return item
      ? { total: item.total as number, year: item.year as number, number: item.number as number }
      : undefined;
  }

  async function getIssue(issueId: string) {
    const parsed = parseIssueId(issueId);
    if (!parsed)
      throw new NotFoundError(
        component,
        `"${issueId}" 不是期号 (issue id)，例如 torch-bulletin-551`,
      );
    const issue = await issueByTotal(parsed.series, parsed.total);
    if (!issue) throw new NotFoundError(component, `没有这一期：${issueId}`);
    return { issue, key: { pk: `SERIES#${parsed.series}`, sk: numberKey(parsed.total) } };
  }

  async function refusedIssue(issueId: string, action: 'correct' | 'withdraw') {
    const { issue } = await getIssue(issueId);
    return new ConflictError(
      component,
      refusalOf(`${issueId} 这一期`, action, issue.status) ?? `${issueId} 这一期刚被改动，请重试`,
    );
  }

  const catalog: LifecycleCatalog = {
    async createDraft(unheld, opts = {}) {
      const held = opts.heldBy;
      const draft: Draft = held
        ? {
            ...unheld,
            status: 'releasing',
            heldStatus: unheld.status,
            releaseOwner: held.owner,
            leaseUntil: Date.now() + held.leaseMs,
          }
        : unheld;
      const key = draftKey(draft.id);
      const item = {
        ...key,
        gsi1pk: OPEN,
        gsi1sk: `${draft.createdAt}#${draft.id}`,
        ...stripUndefined(draft),
        printed: packPrinted(draft.printed ?? []),
      };
      try {
        await documents.send(
          new PutCommand({
            TableName: tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return { draft, created: true };
      } catch (err) {
        if (!conditional(err)) throw tooLarge(err, `稿件 ${draft.id}`, item);
        const existing = await getDraft(draft.id);
        if (!existing) throw new StoreError(component, `稿件 ${draft.id} 在写入冲突后读取不到`);
        return { draft: existing, created: false };
      }
    },

    getDraft,

    async scheduledReleases() {
      const items = await queryAll(documents, {
        TableName: tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        FilterExpression: 'attribute_exists(#at)',
        ProjectionExpression: '#id, #at',
        ExpressionAttributeNames: { '#id': 'id', '#at': 'releaseAt' },
        ExpressionAttributeValues: { ':pk': OPEN },
      });
      return items.map((item) => ({ draftId: String(item.id), releaseAt: String(item.releaseAt) }));
    },

    async openDrafts(opts = {}) {
      // Ids only: each is read again below (a zone profile's draft is ≈ 56 kB at 60 zones, and
      // the caller's own, just written, would come back whole).
      const items = await queryAll(documents, {
        TableName: tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ProjectionExpression: '#id',
        ExpressionAttributeNames: { '#id': 'id' },
        ...(opts.reportKey
          ? {
              FilterExpression: 'reportKey = :rk',
              ExpressionAttributeValues: { ':pk': OPEN, ':rk': opts.reportKey },
            }
          : { ExpressionAttributeValues: { ':pk': OPEN } }),
        ScanIndexForward: false,
      });
      // The index is eventually consistent on AWS: each re-read for its current status, all in
      // one BatchGetItem (strongly consistent).
      const ids = items.map((i) => String(i.id)).filter((id) => id !== opts.except);
      const current = await batchGet(
        documents,
        tableName,
        ids.map((id) => draftKey(id)),
        { consistent: true },
      );
      return current
        .map((item) => (item ? toDraft(item) : undefined))
        .filter((d): d is Draft => d !== undefined && OPEN_DRAFT_STATES.includes(d.status));
    },

    async transitionDraft(id, action, fields = {}) {
      const t = DRAFT_TRANSITIONS[action];
      if (!parseDraftId(id)) throw new NotFoundError(component, `"${id}" 不是稿件号 (draft id)`);
      const closes = !OPEN_DRAFT_STATES.includes(t.to as DraftStatus);
      const names: Record<string, string> = { '#s': 'status' };
      const values: Record<string, unknown> = { ':to': t.to };
      const sets = ['#s = :to'];
      Object.entries(stripUndefined(fields)).forEach(([k, v], i) => {
        names[`#f${i}`] = k;
        values[`:f${i}`] = v;
        sets.push(`#f${i} = :f${i}`);
      });
      const from = t.from.map((s, i) => {
        values[`:from${i}`] = s;
        return `:from${i}`;
      });
      try {
        const out = await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: draftKey(id),
            UpdateExpression: `SET ${sets.join(', ')}${closes ? ' REMOVE gsi1pk, gsi1sk' : ''}`,
            ConditionExpression: `attribute_exists(pk) AND #s IN (${from.join(', ')})`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        );
        return toDraft(out.Attributes ?? {});
      } catch (err) {
        if (!conditional(err)) throw err;
        throw await refusedDraft(id, action);
      }
    },

    async beginRelease(id, owner, leaseMs, now = Date.now()) {
      try {
        const out = await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: draftKey(id),
            UpdateExpression:
              'SET heldStatus = if_not_exists(heldStatus, #s), #s = :releasing, releaseOwner = :o, leaseUntil = :l REMOVE lastError',
            ConditionExpression:
              'attribute_exists(pk) AND (#s IN (:draft, :scheduled) OR (#s = :releasing AND leaseUntil < :now))',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: {
              ':releasing': 'releasing',
              ':draft': 'draft',
              ':scheduled': 'scheduled',
              ':o': owner,
              ':l': now + leaseMs,
              ':now': now,
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return toDraft(out.Attributes ?? {});
      } catch (err) {
        if (!conditional(err)) throw err;
        const current = await getDraft(id);
        if (current?.status === 'releasing')
          throw new LeaseHeldError(
            component,
            `稿件 ${id} 正由另一次运行发布中（租约至 ${formatBeijing(current.leaseUntil ?? 0, { seconds: true })}）`,
          );
        throw await refusedDraft(id, 'beginRelease');
      }
    },

    async recordAttempt(id, owner, total, leaseMs) {
      const now = Date.now();
      try {
        await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: draftKey(id),
            UpdateExpression:
              leaseMs === undefined
                ? 'SET attemptTotal = :t'
                : 'SET attemptTotal = :t, leaseUntil = :l',
            ConditionExpression: '#s = :releasing AND releaseOwner = :o AND leaseUntil > :now',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: {
              ':t': total,
              ':releasing': 'releasing',
              ':o': owner,
              ':now': now,
              ...(leaseMs === undefined ? {} : { ':l': now + leaseMs }),
            },
          }),
        );
      } catch (err) {
        if (!conditional(err)) throw err;
        throw new ConflictError(component, `稿件 ${id} 的发布已被另一次运行接手`);
      }
    },

    async abortRelease(id, owner, reason) {
      try {
        await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: draftKey(id),
            UpdateExpression:
              // attemptTotal stays: a later release checks whether that number became ours.
              'SET #s = heldStatus, lastError = :r REMOVE heldStatus, releaseOwner, leaseUntil',
            ConditionExpression: '#s = :releasing AND releaseOwner = :o',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: {
              ':releasing': 'releasing',
              ':o': owner,
              ':r': reason.slice(0, 2000),
            },
          }),
        );
      } catch (err) {
        if (!conditional(err)) throw err;
        // Someone else holds (or finished) it now: nothing of ours to undo.
      }
    },

    async completeRelease(id, owner, issueId, by, at, held) {
      try {
        const out = await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: draftKey(id),
            UpdateExpression:
              'SET #s = :published, issueId = :i, decidedBy = :by, decidedAt = :at REMOVE heldStatus, releaseOwner, leaseUntil, attemptTotal, gsi1pk, gsi1sk, lastError',
            ConditionExpression: '#s = :releasing AND releaseOwner = :o',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: {
              ':published': 'published',
              ':releasing': 'releasing',
              ':o': owner,
              ':i': issueId,
              ':by': by,
              ':at': at,
            },
            ReturnValues: held ? 'NONE' : 'ALL_NEW',
          }),
        );
        if (!held) return toDraft(out.Attributes ?? {});
        // What the update made of the draft held (its condition: nobody else changed it); its
        // fields copied as they are (a packed list stays packed until read).
        const released = Object.defineProperties(
          {},
          Object.getOwnPropertyDescriptors(held),
        ) as Draft & Record<string, unknown>;
        for (const gone of [
          'heldStatus',
          'releaseOwner',
          'leaseUntil',
          'attemptTotal',
          'lastError',
        ])
          delete released[gone];
        return Object.assign(released, {
          status: 'published' as const,
          issueId,
          decidedBy: by,
          decidedAt: at,
        });
      } catch (err) {
        if (!conditional(err)) throw err;
        const current = await getDraft(id);
        if (current?.status === 'published' && current.issueId === issueId) return current;
        throw await refusedDraft(id, 'completeRelease');
      }
    },

    async lastNumbering(series) {
      const counter = await getItem(`SERIES#${series}`, 'COUNTER');
      if (!counter) return undefined;
      return {
        total: counter.total as number,
        year: counter.year as number,
        number: counter.number as number,
      };
    },

    async putIssue(issue, printed, opts = {}) {
      const item = {
        pk: `SERIES#${issue.series}`,
        sk: numberKey(issue.total),
        gsi1pk: `REPORT#${issue.series}#${issue.reportKey ?? issue.series}`,
        gsi1sk: numberKey(issue.total),
        ...packedFields(stripUndefined(issue)),
        printed: packPrinted(printed),
      };
      try {
        await documents.send(
          new PutCommand({
            TableName: tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (err) {
        if (!conditional(err)) throw tooLarge(err, `期 ${issue.id}`, item);
        // The counter is behind: to the newest issue at once, however far behind it is (a
        // process that died owing it, numbering-line.ts), not one number per print.
        const newest = await newestNumbering(issue.series);
        if (newest) await catalog.advanceCounter(issue.series, newest);
        return undefined;
      }
      // The counter only speeds up the next numbering: a lagging one is advanced by whoever
      // finds its number taken, so a failure here must not fail a release already written.
      if (opts.advanceCounter !== false)
        await catalog.advanceCounter(issue.series, issue).catch(() => undefined);
      return issue;
    },

    issueByTotal,

    async printedOf(issueId) {
      const { key } = await getIssue(issueId);
      const item = await getItem(key.pk, key.sk);
      return unpackPrinted(item?.printed);
    },

    async advanceCounter(series, n) {
      try {
        await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: `SERIES#${series}`, sk: 'COUNTER' },
            UpdateExpression: 'SET #t = :t, #y = :y, #n = :n',
            ConditionExpression: 'attribute_not_exists(#t) OR #t < :t',
            ExpressionAttributeNames: { '#t': 'total', '#y': 'year', '#n': 'number' },
            ExpressionAttributeValues: { ':t': n.total, ':y': n.year, ':n': n.number },
          }),
        );
      } catch (err) {
        if (!conditional(err)) throw err;
      }
    },

    async latestOfReport(series, reportKey) {
      // The report's releases newest first, by number and status only: an issue's item keeps
      // what its edition printed and where (tens to hundreds of kB a zone profile), and a
      // report released every month has many.
      const pages = queryPages(documents, {
        TableName: tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ProjectionExpression: '#t, #s',
        ExpressionAttributeNames: { '#t': 'total', '#s': 'status' },
        ExpressionAttributeValues: { ':pk': `REPORT#${series}#${reportKey}` },
        ScanIndexForward: false,
        Limit: 10,
      });
      for await (const { items } of pages) {
        for (const item of items) {
          // Withdrawn in the index is withdrawn (an issue withdrawn never comes back); any
          // other is read again, whole (the index may lag behind a withdrawal).
          if (item.status === 'withdrawn') continue;
          const issue = await getItem(`SERIES#${series}`, numberKey(item.total as number));
          if (issue?.status === 'published') return toIssue(issue);
        }
      }
      return undefined;
    },

    async applyCorrection(issueId, fromEdition, edition, printed, fields = {}) {
      const { key } = await getIssue(issueId);
      // The new edition's own files (web edition …) replace the issue's; fixed names can't clash.
      const extra = Object.entries(packedFields(stripUndefined(fields))).filter(
        ([name]) => !['edition', 'editions', 'status', 'pk', 'sk'].includes(name),
      );
      const extraSet = extra.map(([,], i) => `, #x${i} = :x${i}`).join('');
      const extraNames = Object.fromEntries(extra.map(([name], i) => [`#x${i}`, name]));
      const extraValues = Object.fromEntries(extra.map(([, value], i) => [`:x${i}`, value]));
      try {
        const out = await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key,
            UpdateExpression:
              'SET edition = :e, editions = list_append(if_not_exists(editions, :none), :new), s3Key = :k, fileName = :f, sha256 = :h, #b = :b, pages = :p, inputHash = :i, correctedAt = :at, printed = :pr' +
              extraSet,
            ConditionExpression:
              '#s = :published AND (edition = :from OR (attribute_not_exists(edition) AND :from = :one))',
            ExpressionAttributeNames: { '#s': 'status', '#b': 'bytes', ...extraNames },
            ExpressionAttributeValues: {
              ...extraValues,
              ':e': edition.edition,
              ':none': [],
              ':new': [stripUndefined(edition)],
              ':k': edition.s3Key,
              ':f': edition.fileName,
              ':h': edition.sha256,
              ':b': edition.bytes,
              ':p': edition.pages,
              ':i': edition.inputHash,
              ':at': edition.releasedAt,
              ':pr': packPrinted(printed),
              ':published': 'published',
              ':from': fromEdition,
              ':one': 1,
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return toIssue(out.Attributes ?? {});
      } catch (err) {
        if (!conditional(err)) throw err;
        const { issue } = await getIssue(issueId);
        // A retried release of the same correction: already applied.
        if (issue.editions?.some((e) => e.draftId === edition.draftId)) return issue;
        if (issue.status === 'published')
          throw new ConflictError(
            component,
            `${issueId} 这一期现为第 ${issue.edition ?? 1} 版，不是第 ${fromEdition} 版：请从当前版本重新勘误`,
          );
        throw await refusedIssue(issueId, 'correct');
      }
    },

    async dismissCorrection(issueId, dismissal) {
      const { key } = await getIssue(issueId);
      const out = await documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key,
          UpdateExpression:
            'SET correctionDismissals = list_append(if_not_exists(correctionDismissals, :none), :d)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':none': [], ':d': [stripUndefined(dismissal)] },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toIssue(out.Attributes ?? {});
    },

    async withdraw(issueId, reason, by, at, replacedBy) {
      const { key } = await getIssue(issueId);
      try {
        const out = await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key,
            UpdateExpression: 'SET #s = :w, withdrawn = :info',
            ConditionExpression: '#s = :published',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: {
              ':w': 'withdrawn',
              ':published': 'published',
              ':info': { at, by, reason, ...(replacedBy ? { replacedBy } : {}) },
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return toIssue(out.Attributes ?? {});
      } catch (err) {
        if (!conditional(err)) throw err;
        throw await refusedIssue(issueId, 'withdraw');
      }
    },

    async claimTrigger(req, opts = {}) {
      const key = { pk: `SERIES#${req.series}`, sk: `TRIGGER#${req.slotKey}` };
      // A run kept on the trigger: listed among the runs by its start, as a run's own item is.
      const run = req.run
        ? { run: stripUndefined(req.run), ...runListed(req.run) }
        : ({} as Record<string, unknown>);
      const now = Date.now();
      const fresh: Trigger = {
        series: req.series,
        slotKey: req.slotKey,
        paramsHash: req.paramsHash,
        owner: req.runId,
        leaseUntil: now + req.leaseMs,
        state: 'running',
      };
      try {
        await documents.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...key, ...fresh, ...run },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return { owned: true, resumed: false, trigger: fresh };
      } catch (err) {
        if (!conditional(err)) throw err;
      }
      const existing = await getItem(key.pk, key.sk);
      if (!existing) return catalog.claimTrigger(req, opts);
      const trigger = toTrigger(existing);
      if (trigger.paramsHash !== req.paramsHash)
        throw new ConflictError(
          component,
          `槽位 (slot) "${req.slotKey}" 已用于其他参数的请求：请换一个请求号 (request id)`,
        );
      const takeable =
        trigger.state === 'failed' ||
        (trigger.state === 'running' && trigger.leaseUntil < now) ||
        (opts.retake === true && trigger.state === 'done');
      if (!takeable) return { owned: false, trigger };
      try {
        // Taken with a run of its own: the run kept here before (a retry's, or an attempt of
        // the same batch) is replaced; taken by a run with its own item, it stays as it ended.
        const runSets = Object.keys(run).map((k, i) => `#r${i} = :r${i}`);
        await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key,
            UpdateExpression: `SET ${['#o = :me', 'leaseUntil = :l', '#st = :running', ...runSets].join(', ')} REMOVE outcome, draftId, issueId, detail`,
            ConditionExpression: '#o = :old AND #st = :oldState',
            ExpressionAttributeNames: {
              '#o': 'owner',
              '#st': 'state',
              ...Object.fromEntries(Object.keys(run).map((k, i) => [`#r${i}`, k])),
            },
            ExpressionAttributeValues: {
              ':me': req.runId,
              ':l': now + req.leaseMs,
              ':running': 'running',
              ':old': trigger.owner,
              ':oldState': trigger.state,
              ...Object.fromEntries(Object.values(run).map((v, i) => [`:r${i}`, v])),
            },
          }),
        );
        return { owned: true, resumed: true, trigger: { ...fresh } };
      } catch (err) {
        if (!conditional(err)) throw err;
        const now2 = await getItem(key.pk, key.sk);
        return { owned: false, trigger: toTrigger(now2 ?? existing) };
      }
    },

    async getTrigger(series, slotKey) {
      const item = await getItem(`SERIES#${series}`, `TRIGGER#${slotKey}`);
      return item ? toTrigger(item) : undefined;
    },

    async renewTrigger(series, slotKey, runId, leaseMs) {
      try {
        await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: `SERIES#${series}`, sk: `TRIGGER#${slotKey}` },
            UpdateExpression: 'SET leaseUntil = :l',
            ConditionExpression: '#o = :me AND #st = :running',
            ExpressionAttributeNames: { '#o': 'owner', '#st': 'state' },
            ExpressionAttributeValues: {
              ':l': Date.now() + leaseMs,
              ':me': runId,
              ':running': 'running',
            },
          }),
        );
      } catch (err) {
        if (!conditional(err)) throw err;
        throw new ConflictError(component, `槽位 (slot) "${slotKey}" 已被另一次运行接手`);
      }
    },

    async finishTrigger(series, slotKey, runId, result, run) {
      const fields = stripUndefined({ ...result });
      const names: Record<string, string> = { '#o': 'owner' };
      const values: Record<string, unknown> = { ':me': runId };
      const sets = Object.entries(fields).map(([k, v], i) => {
        names[`#f${i}`] = k;
        values[`:f${i}`] = v;
        return `#f${i} = :f${i}`;
      });
      // The run kept on this trigger ends in the same write.
      if (run) {
        names['#run'] = 'run';
        Object.entries(stripUndefined(run)).forEach(([k, v], i) => {
          names[`#g${i}`] = k;
          values[`:g${i}`] = v;
          sets.push(`#run.#g${i} = :g${i}`);
        });
      }
      try {
        await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: `SERIES#${series}`, sk: `TRIGGER#${slotKey}` },
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: '#o = :me',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        );
      } catch (err) {
        if (!conditional(err)) throw err;
        throw new ConflictError(component, `槽位 (slot) "${slotKey}" 已被另一次运行接手`);
      }
    },

    async putRun(run) {
      await documents.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: `RUN#${run.runId}`, sk: 'RUN', ...runListed(run), ...stripUndefined(run) },
        }),
      );
    },

    async updateRun(runId, fields) {
      const entries = Object.entries(stripUndefined(fields));
      if (!entries.length) return;
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = {};
      const sets = entries.map(([k, v], i) => {
        names[`#f${i}`] = k;
        values[`:f${i}`] = v;
        return `#f${i} = :f${i}`;
      });
      await documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: `RUN#${runId}`, sk: 'RUN' },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    },

    async getRun(runId) {
      const start = startOfRunOnTrigger(runId);
      if (!start) {
        const item = await getItem(`RUN#${runId}`, 'RUN');
        return item ? toRun(item) : undefined;
      }
      // Kept on its slot's trigger: found where it is listed (its start is in its id), then
      // read again (the index may lag).
      const out = await documents.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk = :sk',
          ExpressionAttributeValues: {
            ':pk': 'RUNS',
            ...runListed({ startedAt: start.toISOString(), runId }, ':sk'),
          },
          ProjectionExpression: 'pk, sk',
        }),
      );
      const found = out.Items?.[0];
      const item = found && (await getItem(String(found.pk), String(found.sk)));
      return item ? toRun(item) : undefined;
    },

    async listRuns(opts = {}) {
      const out = await documents.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': 'RUNS' },
          ScanIndexForward: false,
          Limit: Math.min(Math.max(opts.limit ?? 50, 1), 500),
        }),
      );
      return (out.Items ?? []).map(toRun);
    },

    async allIssues(series) {
      const items = await queryAll(documents, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :n)',
        ExpressionAttributeValues: { ':pk': `SERIES#${series}`, ':n': 'N#' },
        ScanIndexForward: false,
        ConsistentRead: true,
      });
      return items.map(toIssue);
    },
  };
  return catalog;
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The records an issue or draft printed, as stored: gzip + base64 behind `z:` (a profile of one
 * zone among 178 names a few hundred records; an item must stay under DynamoDB's 400 KB).
 */
/** Packed once per list: a release stores the same list with its draft and its issue. */
const packed = new WeakMap<PrintedRecord[], string>();
function packPrinted(printed: PrintedRecord[]): string {
  let value = packed.get(printed);
  if (value === undefined) {
    // Level 1: these lists (≈ 300 records, 55 kB as JSON, for a zone profile) are packed on
    // the release's path; a tighter level saves little of what base64 then spends anyway.
    value = packJson(printed);
    packed.set(printed, value);
  }
  return value;
}

function unpackPrinted(value: unknown): PrintedRecord[] {
  if (typeof value !== 'string') return [];
  return unpackJson(value) as PrintedRecord[];
}

/** A value as a packed string: gzip + base64 behind `z:` (as `packPrinted`). */
function packJson(value: unknown): string {
  return `z:${gzipSync(JSON.stringify(value), { level: 1 }).toString('base64')}`;
}

function unpackJson(value: string): unknown {
  const json = value.startsWith('z:')
    ? gunzipSync(Buffer.from(value.slice(2), 'base64')).toString('utf8')
    : value;
  return JSON.parse(json);
}

function toDraft(item: Record<string, unknown>): Draft {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, printed, ...rest } = item;
  const draft = { ...(rest as unknown as Draft) };
  // Unpacked when read: a release reads its draft several times and needs the list only for a
  // correction (the list of a zone profile takes milliseconds to unpack).
  let unpacked: PrintedRecord[] | undefined;
  Object.defineProperty(draft, 'printed', {
    enumerable: true,
    configurable: true,
    get: () => (unpacked ??= unpackPrinted(printed)),
    set: (value: PrintedRecord[]) => {
      unpacked = value;
    },
  });
  return draft;
}

function toTrigger(item: Record<string, unknown>): Trigger {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, run: _run, ...rest } = item;
  return rest as unknown as Trigger;
}

/** Where a run is listed (`listRuns`: the index `RUNS`, by start); `sk`: as a value's name. */
function runListed(run: Pick<Run, 'startedAt' | 'runId'>): { gsi1pk: string; gsi1sk: string };
function runListed(run: Pick<Run, 'startedAt' | 'runId'>, sk: string): Record<string, string>;
function runListed(run: Pick<Run, 'startedAt' | 'runId'>, sk?: string): Record<string, string> {
  const listed = `${run.startedAt}#${run.runId}`;
  return sk ? { [sk]: listed } : { gsi1pk: 'RUNS', gsi1sk: listed };
}

/** A run's item, or a trigger's that keeps its run (the all-zones batch's zones). */
function toRun(item: Record<string, unknown>): Run {
  if (typeof item.sk === 'string' && item.sk.startsWith('TRIGGER#') && item.run)
    return item.run as Run;
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ...rest } = item;
  return rest as unknown as Run;
}
