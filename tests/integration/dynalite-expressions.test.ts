/**
 * dynalite's expressions parsed once per text, names and value types
 * (`functions/local/dynalite-expressions.ts`): a parse answered from a template equals dynalite's
 * own parse of the same request — the same tree, the request's own value objects in it, the
 * same names and values marked used, the same error — for expressions of every kind with values
 * that change from request to request; and through the real SDK on the stores' process,
 * conditions and updates with changing values act on the values sent, not on the first ones.
 */
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { expressionParses, expressionsParsedOnce } from '#local/dynalite-expressions.ts';
import { startLocalStack } from '#local/stack.ts';

type Values = Record<string, Record<string, unknown>>;
interface Context {
  attrNames?: Record<string, string>;
  attrVals?: Values;
  unusedAttrNames: Record<string, boolean>;
  unusedAttrVals: Record<string, boolean>;
  isReserved: (name: string) => boolean;
  compare: unknown;
}
type Parse = (input: string, options: { context: Context }) => unknown;

const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
const parsers = ['conditionParser', 'updateParser', 'projectionParser'] as const;
const modules = Object.fromEntries(
  parsers.map((name) => [name, fromDynalite(`./db/${name}`) as { parse: Parse }]),
) as Record<(typeof parsers)[number], { parse: Parse }>;
// dynalite's own parsers, before the patch.
const own = Object.fromEntries(parsers.map((name) => [name, modules[name].parse])) as Record<
  (typeof parsers)[number],
  Parse
>;
const RESERVED = new Set(['STATUS', 'NAME', 'DATA', 'SIZE', 'VALUE']);
const isReserved = (name: string) => RESERVED.has(name.toUpperCase());

/** A context as dynalite's `validateExpressions` makes it. */
function contextOf(names: Record<string, string> | undefined, vals: Values | undefined): Context {
  return {
    attrNames: names,
    attrVals: vals,
    unusedAttrNames: Object.fromEntries(Object.keys(names ?? {}).map((k) => [k, true])),
    unusedAttrVals: Object.fromEntries(Object.keys(vals ?? {}).map((k) => [k, true])),
    isReserved,
    compare: () => false,
  };
}

/** What a parse gives: its tree or its error, and the context's unused names and values. */
function outcome(parse: Parse, input: string, context: Context) {
  let tree: unknown;
  let error: string | undefined;
  try {
    tree = parse(input, { context });
  } catch (err) {
    error = String((err as Error).message);
  }
  return { tree, error, unusedNames: context.unusedAttrNames, unusedVals: context.unusedAttrVals };
}

/** Every object in `tree` that is one of `vals`' own objects (by identity), by name. */
function valuesIn(tree: unknown, vals: Values): string[] {
  const found: string[] = [];
  const seen = new Set<unknown>();
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    for (const [name, value] of Object.entries(vals)) if (value === node) found.push(name);
    for (const child of Object.values(node)) walk(child);
  };
  walk(tree);
  return found.sort();
}

const CASES: { parser: (typeof parsers)[number]; input: string; names?: Record<string, string> }[] =
  [
    { parser: 'conditionParser', input: 'attribute_not_exists(pk)' },
    { parser: 'conditionParser', input: 'pk = :p AND begins_with(sk, :s)' },
    {
      parser: 'conditionParser',
      input: '#s = :a OR (#n < :b AND NOT contains(tags, :c))',
      names: { '#s': 'status', '#n': 'n' },
    },
    {
      parser: 'conditionParser',
      input: '#s IN (:a, :b, :c) AND size(body) > :b',
      names: { '#s': 'status' },
    },
    {
      parser: 'conditionParser',
      input: 'attribute_exists(#s) AND #s <> :a',
      names: { '#s': 'status' },
    },
    { parser: 'conditionParser', input: 'status = :a' }, // a reserved word: an error
    { parser: 'conditionParser', input: '#x = :a', names: { '#s': 'status' } }, // #x undefined
    { parser: 'conditionParser', input: 'a = :zz' }, // :zz undefined
    { parser: 'conditionParser', input: 'a = = :a' }, // syntax
    { parser: 'updateParser', input: 'SET #s = :a, attempt = :b', names: { '#s': 'status' } },
    { parser: 'updateParser', input: 'SET n = n + :b REMOVE old ADD tags :c', names: undefined },
    { parser: 'updateParser', input: 'SET l = list_append(if_not_exists(l, :d), :d)' },
    { parser: 'updateParser', input: 'SET a.b[1] = :a, a.b = :a' }, // overlap: an error
    { parser: 'updateParser', input: 'SET a = :a SET b = :b' }, // a section twice
    { parser: 'projectionParser', input: '#s, pk, a.b[2].c', names: { '#s': 'status' } },
  ];

describe('expressions parsed once', { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("a parse from a template is dynalite's own parse of that request, values changing", () => {
    // Prepare
    expressionsParsedOnce();
    const filledBefore = expressionParses.filled;
    const value = fc.oneof(
      fc.string().map((S) => ({ S })),
      fc.integer().map((n) => ({ N: String(n) })),
      fc.boolean().map((BOOL) => ({ BOOL })),
      fc.constant({ NULL: true }),
      fc.array(fc.string(), { minLength: 1, maxLength: 3 }).map((SS) => ({ SS })),
      fc
        .array(
          fc.string().map((S) => ({ S })),
          { maxLength: 2 },
        )
        .map((L) => ({ L })),
    );
    const vals = fc.record(
      { ':a': value, ':b': value, ':c': value, ':d': value },
      { requiredKeys: [] },
    );

    // Act / Assess: each case, many values, the patched parse twice (made, then filled in).
    fc.assert(
      fc.property(fc.constantFrom(...CASES), vals, (c, v) => {
        const theirs = () => structuredClone(v);
        const expected = outcome(own[c.parser], c.input, contextOf(c.names, theirs()));
        for (let i = 0; i < 2; i++) {
          const mine = theirs();
          const got = outcome(modules[c.parser].parse, c.input, contextOf(c.names, mine));
          expect(got).toStrictEqual(expected);
          // The request's own value objects are in the tree, as dynalite's parse puts them.
          const again = theirs();
          const ownTree = outcome(own[c.parser], c.input, contextOf(c.names, again)).tree;
          expect(valuesIn(got.tree, mine)).toEqual(valuesIn(ownTree, again));
        }
      }),
      { numRuns: 400 },
    );
    expect(expressionParses.filled).toBeGreaterThan(filledBefore + 100);
  });

  it('through the SDK on the stores’ process: conditions and updates use the values sent', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'bulletin-dynalite-expr-'));
    dirs.push(dir);
    const stack = await startLocalStack({ stateDir: join(dir, 'state') });
    const env = stack.env;
    const db = new DynamoDBClient({
      region: env.AWS_REGION!,
      endpoint: env.AWS_ENDPOINT_URL_DYNAMODB!,
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID!,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
      },
    });
    try {
      await db.send(
        new CreateTableCommand({
          TableName: 'expr',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      // dynalite turns a new table ACTIVE a moment after CreateTable answers: wait on it.
      await waitUntilTableExists({ client: db, maxWaitTime: 120 }, { TableName: 'expr' });
      const key = { pk: { S: 'z' }, sk: { S: 'n' } };
      const update = (n: number, max: number) =>
        db.send(
          new UpdateItemCommand({
            TableName: 'expr',
            Key: key,
            UpdateExpression: 'SET #n = :n, #s = :s',
            ConditionExpression: 'attribute_not_exists(#n) OR #n < :max',
            ExpressionAttributeNames: { '#n': 'n', '#s': 'status' },
            ExpressionAttributeValues: {
              ':n': { N: String(n) },
              ':s': { S: `第${n}次` },
              ':max': { N: String(max) },
            },
          }),
        );
      const stored = async () =>
        (await db.send(new GetItemCommand({ TableName: 'expr', Key: key, ConsistentRead: true })))
          .Item;

      // Act / Assess: each update's own values are written and checked.
      for (let n = 1; n <= 5; n++) {
        await update(n, 100);
        expect(await stored()).toMatchObject({ n: { N: String(n) }, status: { S: `第${n}次` } });
      }
      await expect(update(6, 5)).rejects.toThrow(/conditional request failed/i); // 5 < 5 fails
      await update(7, 6); // 5 < 6 holds
      expect((await stored())?.n).toEqual({ N: '7' });
      for (let i = 1; i <= 3; i++)
        await db.send(
          new PutItemCommand({
            TableName: 'expr',
            Item: { pk: { S: 'z' }, sk: { S: `r${i}` } },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      await expect(
        db.send(
          new PutItemCommand({
            TableName: 'expr',
            Item: { pk: { S: 'z' }, sk: { S: 'r1' } },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      ).rejects.toThrow(/conditional request failed/i);
      for (const [prefix, count] of [
        ['r', 3],
        ['n', 1],
        ['x', 0],
      ] as const) {
        const found = await db.send(
          new QueryCommand({
            TableName: 'expr',
            KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
            ExpressionAttributeValues: { ':p': { S: 'z' }, ':s': { S: prefix } },
          }),
        );
        expect(found.Count).toBe(count);
      }
      // An unused value is still refused (the template marks the same values used).
      await expect(
        db.send(
          new QueryCommand({
            TableName: 'expr',
            KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
            ExpressionAttributeValues: { ':p': { S: 'z' }, ':s': { S: 'r' }, ':x': { S: '' } },
          }),
        ),
      ).rejects.toThrow(/unused in expressions/i);
    } finally {
      db.destroy();
      await stack.stop();
    }
  });
});
