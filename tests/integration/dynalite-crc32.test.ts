/**
 * dynalite's answers checksummed by zlib (`functions/local/dynalite-crc32.ts`): the
 * `x-amz-crc32` of an answer is still the CRC32 of its bytes as sent, Chinese text included;
 * and the answer is written as those bytes, not encoded again from its text.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answersEncodedOnce, nativeDynaliteCrc32 } from '#local/dynalite-crc32.ts';

describe("dynalite's answers checksummed natively", () => {
  let server: Server;
  let url: string;
  /** What each answer was written as (`res.end`'s first argument: text or bytes). */
  const written: string[] = [];

  beforeAll(async () => {
    nativeDynaliteCrc32();
    const store = dynalite({ createTableMs: 0 });
    // As the stores' process hands it requests (stack-host.ts), with a look at what is written.
    const handle = answersEncodedOnce(
      (req, res: ServerResponse) => void store.emit('request', req, res),
    );
    server = createServer((req, res) => {
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      res.end = ((...args: unknown[]) => {
        written.push(Buffer.isBuffer(args[0]) ? 'bytes' : typeof args[0]);
        return end(...args);
      }) as ServerResponse['end'];
      handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** One DynamoDB call as raw HTTP (dynalite wants a signature header, not a valid one). */
  const call = (target: string, body: unknown) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${target}`,
        authorization:
          'AWS4-HMAC-SHA256 Credential=a/20260101/cn-north-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00',
        'x-amz-date': '20260101T000000Z',
      },
      body: JSON.stringify(body),
    });

  it('x-amz-crc32 is the CRC32 of the answer as sent', async () => {
    // Prepare: a table and an item of Chinese text, a few hundred kB.
    const created = await call('CreateTable', {
      TableName: 'records',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    expect(created.status).toBe(200);
    const text = '火炬动态·长三角 '.repeat(10_000);
    expect(
      (await call('PutItem', { TableName: 'records', Item: { pk: { S: 'a' }, v: { S: text } } }))
        .status,
    ).toBe(200);

    // Act
    written.length = 0;
    const answer = await call('GetItem', { TableName: 'records', Key: { pk: { S: 'a' } } });
    const bytes = new Uint8Array(await answer.arrayBuffer());

    // Assess
    expect(answer.status).toBe(200);
    expect(JSON.parse(new TextDecoder().decode(bytes)).Item.v.S).toBe(text);
    expect(Number(answer.headers.get('x-amz-crc32'))).toBe(crc32(bytes));
    // Written as the bytes its CRC32 was computed over: not encoded a second time.
    expect(written).toEqual(['bytes']);
  });
});
