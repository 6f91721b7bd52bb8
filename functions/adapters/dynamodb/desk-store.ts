/**
 * The desk store port (`DeskStore`) on DynamoDB, in the issues table (`ISSUES_TABLE`):
 *
 * - account `pk=ACCOUNT`, `sk=<name>` (role, scrypt hash, who made it and when);
 * - session `pk=SESSION#<sha256 of the cookie>`, `sk=-`, with `expiresAt` (TTL): the cookie
 *   itself is never stored;
 * - failed logins `pk=THROTTLE#<account:name | address:ip>`, `sk=-`: the times of the recent
 *   failures, with `expiresAt`;
 * - the record of who did what `pk=AUDIT`, `sk=<ISO time>#<random>`; each entry is written
 *   again under `pk=AUDIT#<target>` for every id it concerns (one Query per page);
 * - pre-release access `pk=ACCESS#<draft id>`, `sk=<who>` (first and last time, count);
 * - schedule switches `pk=SCHEDULE#SWITCH`, `sk=<schedule id>`.
 *
 * Reads are GetItem or Query, never Scan.
 */
import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { expiresIn, isExpired, TTL_ATTRIBUTE } from '../../contract/stores.ts';
import { queryAll } from './paged-query.ts';
import type { DeskRecord, DraftAccess } from '../../core/desk.ts';
import type { Account, DeskStore, ScheduleSwitch, Session } from '../../app/ports.ts';

/** Failure lists are cut to this many newest entries (a burst cannot grow an item). */
const FAILURES_KEPT = 50;

export function createDynamoDeskStore(doc: DynamoDBDocumentClient, table: string): DeskStore {
  const get = async (pk: string, sk: string) =>
    (await doc.send(new GetCommand({ TableName: table, Key: { pk, sk }, ConsistentRead: true })))
      .Item;
  const query = (pk: string, opts: { limit?: number; newestFirst?: boolean } = {}) =>
    queryAll(
      doc,
      {
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ScanIndexForward: !opts.newestFirst,
        ConsistentRead: true,
      },
      opts.limit ? { limit: opts.limit } : {},
    );
  const recent = (item: Record<string, unknown> | undefined, nowMs: number, windowMs: number) =>
    ((item?.['times'] as number[] | undefined) ?? []).filter((t) => t > nowMs - windowMs);
  const accountOf = (i: Record<string, unknown>): Account => ({
    name: i['sk'] as string,
    role: i['role'] as Account['role'],
    passwordHash: i['passwordHash'] as string,
    createdAt: i['createdAt'] as string,
    createdBy: i['createdBy'] as string,
  });
  const recordOf = (i: Record<string, unknown>): DeskRecord => {
    const { pk: _pk, sk: _sk, ...rest } = i;
    return rest as unknown as DeskRecord;
  };

  return {
    async createAccount(account) {
      try {
        await doc.send(
          new PutCommand({
            TableName: table,
            Item: { pk: 'ACCOUNT', sk: account.name, ...account, name: undefined },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException) return false;
        throw err;
      }
    },
    async getAccount(name) {
      const i = await get('ACCOUNT', name);
      return i ? accountOf(i) : undefined;
    },
    async listAccounts() {
      return (await query('ACCOUNT')).map(accountOf);
    },
    async putSession(idHash, session) {
      await doc.send(
        new PutCommand({
          TableName: table,
          Item: {
            pk: `SESSION#${idHash}`,
            sk: '-',
            ...session,
            [TTL_ATTRIBUTE]: Math.ceil(session.expiresAtMs / 1000),
          },
        }),
      );
    },
    async getSession(idHash, nowMs = Date.now()) {
      const i = await get(`SESSION#${idHash}`, '-');
      if (!i || isExpired(i, nowMs) || (i['expiresAtMs'] as number) <= nowMs) return undefined;
      return {
        account: i['account'] as string,
        role: i['role'] as Session['role'],
        csrf: i['csrf'] as string,
        createdAt: i['createdAt'] as string,
        expiresAtMs: i['expiresAtMs'] as number,
      };
    },
    async deleteSession(idHash) {
      await doc.send(
        new DeleteCommand({ TableName: table, Key: { pk: `SESSION#${idHash}`, sk: '-' } }),
      );
    },
    async addFailure(key, nowMs, windowMs) {
      const out = await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: `THROTTLE#${key}`, sk: '-' },
          UpdateExpression: 'SET #t = list_append(if_not_exists(#t, :empty), :now), #e = :exp',
          ExpressionAttributeNames: { '#t': 'times', '#e': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':empty': [],
            ':now': [nowMs],
            ':exp': expiresIn(Math.ceil(windowMs / 1000) + 60, nowMs),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const times = recent(out.Attributes, nowMs, windowMs);
      const all = (out.Attributes?.['times'] as number[] | undefined) ?? [];
      if (all.length > FAILURES_KEPT)
        await doc.send(
          new UpdateCommand({
            TableName: table,
            Key: { pk: `THROTTLE#${key}`, sk: '-' },
            UpdateExpression: 'SET #t = :kept',
            ExpressionAttributeNames: { '#t': 'times' },
            ExpressionAttributeValues: { ':kept': all.slice(-FAILURES_KEPT) },
          }),
        );
      return times;
    },
    async failures(key, nowMs, windowMs) {
      return recent(await get(`THROTTLE#${key}`, '-'), nowMs, windowMs);
    },
    async clearFailures(key) {
      await doc.send(
        new DeleteCommand({ TableName: table, Key: { pk: `THROTTLE#${key}`, sk: '-' } }),
      );
    },
    async record(entry) {
      const sk = `${new Date(entry.at).toISOString()}#${randomBytes(6).toString('hex')}`;
      const targets = [...new Set([entry.target, ...(entry.related ?? [])])];
      const items = [
        { pk: 'AUDIT', sk, ...entry },
        ...targets.map((t) => ({ pk: `AUDIT#${t}`, sk, ...entry })),
      ];
      for (let i = 0; i < items.length; i += 25)
        await doc.send(
          new BatchWriteCommand({
            RequestItems: {
              [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
            },
          }),
        );
    },
    async records(opts = {}) {
      const pk = opts.target ? `AUDIT#${opts.target}` : 'AUDIT';
      return (
        await query(pk, { newestFirst: true, ...(opts.limit ? { limit: opts.limit } : {}) })
      ).map(recordOf);
    },
    async noteAccess(draftId, who, at, opts = {}) {
      await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: `ACCESS#${draftId}`, sk: who },
          UpdateExpression:
            opts.reading === false
              ? 'SET firstAt = if_not_exists(firstAt, :at), lastAt = :at, #c = if_not_exists(#c, :one)'
              : 'SET firstAt = if_not_exists(firstAt, :at), lastAt = :at ADD #c :one',
          ExpressionAttributeNames: { '#c': 'count' },
          ExpressionAttributeValues: { ':at': at, ':one': 1 },
        }),
      );
    },
    async accessOf(draftId) {
      return (await query(`ACCESS#${draftId}`)).map((i): DraftAccess => ({
        draftId,
        who: i['sk'] as string,
        firstAt: i['firstAt'] as string,
        lastAt: i['lastAt'] as string,
        count: i['count'] as number,
      }));
    },
    async scheduleSwitches() {
      return (await query('SCHEDULE#SWITCH')).map((i): ScheduleSwitch => ({
        id: i['sk'] as string,
        enabled: i['enabled'] as boolean,
        by: i['by'] as string,
        at: i['at'] as string,
      }));
    },
    async setScheduleSwitch(s) {
      await doc.send(
        new PutCommand({
          TableName: table,
          Item: { pk: 'SCHEDULE#SWITCH', sk: s.id, enabled: s.enabled, by: s.by, at: s.at },
        }),
      );
    },
  };
}
