/**
 * A released issue's cover on AWS, where the API has no browser: its first request invokes the
 * cover function (`handlers/issue-cover.ts`) through the real `LambdaClient`, against a Lambda
 * Invoke endpoint on loopback (tests/support/lambda-endpoint.ts) that runs the handler in this
 * process on the test's stores and Chromium. The function stores the PNG under covers/ and
 * records it once; the API serves what the catalog then records. Nothing is made for an issue
 * the catalog does not list as released (an embargo before its second), and a cover source that
 * differs from its record is refused, as every stored part is.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiApp } from '../../functions/api/app.ts';
import { awsApiDeps } from '#handlers/api.ts';
import { handler as coverHandler } from '#handlers/issue-cover.ts';
import { resetRuntime, useRuntime } from '#handlers/runtime.ts';
import { publishReport } from '../../functions/app/publish.ts';
import { ingestFiles } from '../../functions/app/ingest.ts';
import { correctIssue, releaseDraft } from '../../functions/app/lifecycle.ts';
import { lifecycleDepsOf } from '../../functions/wiring/lifecycle.ts';
import { sha256Hex } from '../../functions/core/digest.ts';
import type { PdfRenderer } from '../../functions/app/ports.ts';
import type { Issue } from '../../functions/core/model.ts';
import { startLambdaEndpoint, type LambdaEndpoint } from '#tests/support/lambda-endpoint.ts';
import { startTestStack, type TestStack } from '#tests/support/stack.ts';

vi.hoisted(() => {
  process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT';
});

const COVER_FUNCTION = 'torch-bulletin-IssueCover';
const noQueue = {
  send: async () => {
    throw new Error('no report is requested in this test');
  },
};

describe('the cover made by the cover function on its first request (AWS)', () => {
  let t: TestStack;
  let lambda: LambdaEndpoint;
  let issue: Issue;
  /** The cover function's next invocations fail with this (a crash, a timeout …). */
  let failNext: Error | undefined;

  beforeAll(async () => {
    t = await startTestStack();
    await t.ingestRepoData();
    const r = await publishReport(t.publishDeps({ now: () => new Date('2026-11-20T01:00:00Z') }), {
      kind: 'torch-bulletin',
      period: '2024',
      slotKey: 'test/cover-function',
      releaseNow: { by: 'test' },
    });
    issue = r.issue!;
    // The cover function's runtime: the test's stores and Chromium.
    useRuntime({ services: t.services });
    lambda = await startLambdaEndpoint({
      [COVER_FUNCTION]: (e) => (failNext ? Promise.reject(failNext) : coverHandler(e)),
    });
  }, 400_000);
  afterAll(async () => {
    await lambda?.close();
    await resetRuntime();
    await t?.stop();
  });

  /** The API as deployed: the cover function named, and a renderer it must never use. */
  const api = () => {
    const noBrowser: PdfRenderer = {
      renderPdf: () => Promise.reject(new Error('the API has no browser')),
      close: async () => undefined,
    };
    return createApiApp(
      awsApiDeps(
        {
          ...t.services,
          renderer: noBrowser,
          config: {
            ...t.services.config,
            coverFunction: COVER_FUNCTION,
            endpoints: { ...t.services.config.endpoints, lambda: lambda.url },
          },
        },
        noQueue as never,
      ),
    );
  };

  /** The issue's cover as if never made: its PNG's key, sha256 and size taken off the item. */
  const forgetCover = async (stored: Issue) => {
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    await t.services.clients.documents.send(
      new UpdateCommand({
        TableName: t.services.config.tables.issues,
        Key: { pk: `SERIES#${stored.series}`, sk: `N#${String(stored.total).padStart(8, '0')}` },
        UpdateExpression: 'REMOVE coverKeys.png, coverKeys.sha256.png, coverKeys.#size',
        ExpressionAttributeNames: { '#size': 'size' },
      }),
    );
  };

  it('invokes the cover function once, then serves the cover it recorded', async () => {
    expect(issue.coverKeys?.png).toBeUndefined();
    const app = api();
    const res = await app.request(`/bulletins/${issue.id}/cover`);
    expect(res.status).toBe(200);
    const png = Buffer.from(await res.arrayBuffer());
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([300, 424]);
    expect(png.byteLength).toBeGreaterThan(8_000);
    expect(lambda.calls).toEqual([
      { name: COVER_FUNCTION, payload: { issueId: issue.id }, invocationType: 'RequestResponse' },
    ]);
    const recorded = (await t.services.catalog.get(issue.id))!.coverKeys!;
    expect(recorded.png).toMatch(/^covers\/.*-cover-[0-9a-f]{16}\.png$/);
    expect(recorded.sha256.png).toBe(sha256Hex(png));
    // Later requests: served as recorded, the function not invoked again.
    const again = Buffer.from(
      await (await app.request(`/bulletins/${issue.id}/cover`)).arrayBuffer(),
    );
    expect(again.equals(png)).toBe(true);
    expect(lambda.calls).toHaveLength(1);
    // The function asked again makes nothing new: it answers the cover recorded.
    expect(await coverHandler({ issueId: issue.id })).toEqual({
      issueId: issue.id,
      cover: recorded.png,
    });
    const covers: string[] = [];
    for await (const o of t.services.archive.list('covers/')) covers.push(o.key);
    expect(covers).toEqual([recorded.png]);
  });

  it('answers 503 when the cover function fails, records nothing, and makes it on the next request', async () => {
    const stored = (await t.services.catalog.get(issue.id))!;
    await forgetCover(stored);
    failNext = new Error('Task timed out after 25.00 seconds');
    const failed = await api().request(`/bulletins/${issue.id}/cover`);
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('30');
    expect(failed.headers.get('cache-control')).toBe('no-store');
    expect(await failed.text()).toMatch(/封面暂时无法生成，请稍后再试/);
    expect((await t.services.catalog.get(issue.id))?.coverKeys?.png).toBeUndefined();
    failNext = undefined;
    const res = await api().request(`/bulletins/${issue.id}/cover`);
    expect(res.status).toBe(200);
    // Made anew and recorded: the bytes served are the ones recorded. (Not necessarily the same
    // key as before: two screenshots of the same page may differ in a few anti-aliased pixels,
    // and a cover is named by its content.)
    const png = Buffer.from(await res.arrayBuffer());
    const remade = (await t.services.catalog.get(issue.id))!.coverKeys!;
    expect(remade.png).toMatch(/^covers\/.*-cover-[0-9a-f]{16}\.png$/);
    expect(remade.sha256.png).toBe(sha256Hex(png));
  });

  it('makes nothing for an issue the catalog does not list as released', async () => {
    const before = lambda.calls.length;
    const coversBefore: string[] = [];
    for await (const o of t.services.archive.list('covers/')) coversBefore.push(o.key);
    // Not in the catalog (an embargo before its second, or no such issue): the API answers 404
    // without invoking; the function invoked anyway stores nothing.
    const unknown = `torch-bulletin-${issue.total + 1}`;
    expect((await api().request(`/bulletins/${unknown}/cover`)).status).toBe(404);
    expect(lambda.calls.length).toBe(before);
    expect(await coverHandler({ issueId: unknown })).toEqual({ issueId: unknown });
    const covers: string[] = [];
    for await (const o of t.services.archive.list('covers/')) covers.push(o.key);
    expect(covers).toEqual(coversBefore);
    await expect(coverHandler({ issueId: '../x' })).rejects.toThrow(/期号/);
  });

  it('makes a corrected edition its own cover, never serving the one made before', async () => {
    const before = (await t.services.catalog.get(issue.id))!;
    expect(before.coverKeys?.png).toBeDefined();
    // A source revised a printed figure: the issue's 修订版, released.
    const map = await t.services.records.currentValues([
      { zone: 'national-htz', indicator: 'gdp', period: before.period! },
    ]);
    const gdp = map.get(`national-htz#gdp#${before.period!}`)!;
    const csv = `zone,indicator,period,value,unit,yoy,share,source\nnational-htz,gdp,${before.period!},${Math.round((gdp.value + 123.4) * 10) / 10},亿元,${gdp.yoy ?? ''},${gdp.share ?? ''},国家统计局修订公报（测试）\n`;
    await ingestFiles({ records: t.services.records, reference: t.services.reference }, [
      { name: 'revision.csv', bytes: new TextEncoder().encode(csv) },
    ]);
    const deps = lifecycleDepsOf(t.publishDeps({ now: () => new Date('2026-11-21T01:00:00Z') }));
    const revision = await correctIssue(deps, issue.id, { by: 'editor', pages: [1] });
    const corrected = await releaseDraft(deps, revision.draft!.id, { by: 'editor' });
    expect(corrected.edition).toBe(2);
    // Its own source, no cover yet: the first edition's is not carried over.
    expect(corrected.coverKeys?.source).not.toBe(before.coverKeys!.source);
    expect(corrected.coverKeys?.png).toBeUndefined();
    const calls = lambda.calls.length;
    const res = await api().request(`/bulletins/${issue.id}/cover`);
    expect(res.status).toBe(200);
    expect(lambda.calls.length).toBe(calls + 1);
    const now = (await t.services.catalog.get(issue.id))!.coverKeys!;
    expect(now.source).toBe(corrected.coverKeys!.source);
    expect(now.png).not.toBe(before.coverKeys!.png);
    expect(now.sha256.png).toBe(sha256Hex(new Uint8Array(await res.arrayBuffer())));
  });

  it('refuses a cover source whose bytes differ from the catalog (502), recording nothing', async () => {
    // A second edition's state: the cover not made yet, its source altered in the archive.
    const stored = (await t.services.catalog.get(issue.id))!;
    await forgetCover(stored);
    const source = (await t.services.archive.get(stored.coverKeys!.source))!;
    await t.services.archive.put(stored.coverKeys!.source, source.subarray(0, 64), {
      fileName: 'x.json',
    });
    const res = await api().request(`/bulletins/${issue.id}/cover`);
    expect(res.status).toBe(502);
    expect(await res.text()).toMatch(/封面与目录记录 \(catalog, sha256\) 不符/);
    expect(lambda.calls.at(-1)?.payload).toEqual({ issueId: issue.id });
    expect((await t.services.catalog.get(issue.id))?.coverKeys?.png).toBeUndefined();
  });
});
