/**
 * The stores' SigV4 check keeps one signer, and its signing key, per credentials, region,
 * service and day (`functions/local/sigv4.ts`): what it accepts and refuses must not depend on
 * what it verified before — another secret under the same access key, another day, another
 * region or service are each refused or accepted as a fresh check would. Requests are signed
 * by the AWS SDK's own signer.
 */
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { verifySigV4, type Credentials } from '#local/sigv4.ts';

const REGION = 'cn-north-1';
const ours: Credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'secret-one' };

/** A DynamoDB request signed by the SDK at `date`, as the proxy receives it. */
async function signed(
  credentials: Credentials,
  date: Date,
  opts: { region?: string; service?: 'dynamodb' | 's3' } = {},
) {
  const body = new TextEncoder().encode('{"TableName":"t"}');
  const signer = new SignatureV4({
    credentials,
    region: opts.region ?? REGION,
    service: opts.service ?? 'dynamodb',
    sha256: Hash.bind(null, 'sha256'),
  });
  const request = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 8000,
      path: '/',
      headers: {
        host: '127.0.0.1:8000',
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.DescribeTable',
      },
      body,
    },
    { signingDate: date },
  );
  return { method: 'POST', url: '/', headers: request.headers, body };
}

const verify = async (
  request: Awaited<ReturnType<typeof signed>>,
  credentials: Credentials,
  now: Date,
  service: 'dynamodb' | 's3' = 'dynamodb',
) => (await verifySigV4(request, credentials, { service, region: REGION, now })).ok;

describe('SigV4 check with signers and signing keys kept', () => {
  const day1 = new Date('2026-12-06T23:59:00Z');
  const day2 = new Date('2026-12-07T00:01:00Z');

  it('accepts a good signature on each day, again and again', async () => {
    for (const day of [day1, day2, day1, day2])
      expect(await verify(await signed(ours, day), ours, day)).toBe(true);
  });

  it('refuses what a fresh check refuses, after the same key was used', async () => {
    // Prepare: the signer and its keys for `ours` made and used, on both days.
    expect(await verify(await signed(ours, day1), ours, day1)).toBe(true);
    expect(await verify(await signed(ours, day2), ours, day2)).toBe(true);

    // Act / Assess: another secret under the same access key, either way round.
    const otherSecret = { ...ours, secretAccessKey: 'secret-two' };
    expect(await verify(await signed(otherSecret, day1), ours, day1)).toBe(false);
    expect(await verify(await signed(ours, day1), otherSecret, day1)).toBe(false);
    expect(await verify(await signed(otherSecret, day1), otherSecret, day1)).toBe(true);
    // Another region or service in the scope.
    expect(await verify(await signed(ours, day1, { region: 'cn-northwest-1' }), ours, day1)).toBe(
      false,
    );
    expect(await verify(await signed(ours, day1, { service: 's3' }), ours, day1)).toBe(false);
    // The first credentials still work, on both days.
    expect(await verify(await signed(ours, day2), ours, day2)).toBe(true);
    expect(await verify(await signed(ours, day1), ours, day1)).toBe(true);
  });

  it('refuses a signature made with the key of another day', async () => {
    // Prepare: a request signed on day 1, its X-Amz-Date and scope then set to day 2 (so
    // only the signing key it was made with is wrong).
    expect(await verify(await signed(ours, day2), ours, day2)).toBe(true);
    const request = await signed(ours, day1);
    const headers = { ...request.headers };
    headers['x-amz-date'] = '20261207T000100Z';
    headers.authorization = String(headers.authorization).replace('/20261206/', '/20261207/');

    // Act / Assess
    expect(await verify({ ...request, headers }, ours, day2)).toBe(false);
  });
});
