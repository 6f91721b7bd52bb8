/**
 * Faults injected around the AWS SDK (a middleware inside the SDK's retry loop; a real network
 * timeout against a server that never answers) and around Chromium (the browser killed mid-render,
 * a page that never finishes, a page slower than the deadline), on releases made at once by
 * their trigger. After each fault:
 * - no catalog entry claims a PDF that S3 does not hold with the recorded sha256 and size;
 * - the failure is recorded with its reason on the run, where the process lived to record it;
 * - the failed attempt consumed no number: a retry of the run releases the slot with the next
 *   number after the last released one (the series has no gap);
 * - nothing already released changed (catalog entry and S3 object).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '#adapters/aws-clients.ts';
import { createS3Archive } from '#adapters/s3/archive.ts';
import { createChromiumRenderer, type ChromiumRenderer } from '#adapters/print/renderer.ts';
import type { PdfRenderer, RenderRequest } from '../../functions/app/ports.ts';
import type { Issue } from '#core/model.ts';
import { createServices, type Services } from '../../functions/wiring/services.ts';
import { ingestFiles } from '../../functions/app/ingest.ts';
import { listRuns, retryRun } from '../../functions/app/lifecycle.ts';
import { cycleOf, publishReport, type PublishDeps } from '../../functions/app/publish.ts';
import {
  injectFaults,
  serviceError,
  startBlackHole,
  type FaultInjector,
} from '#tests/support/faults.ts';
import {
  dumpRecords,
  publishDeps,
  seedRealData,
  startTestStores,
  unbackedClaims,
  type TestStores,
} from '#tests/support/stores.ts';
import { createTinyRenderer, type TinyRenderer } from '#tests/support/tiny-renderer.ts';
import { pdfText } from '#tests/support/pdf.ts';

const PERIOD = '2024';
/** Runs and releases of this file hold their slot this long: a killed one is resumed soon. */
const LEASE_MS = 3_000;

describe('faults around the AWS SDK and the browser', () => {
  let stores: TestStores;
  let tiny: TinyRenderer;
  const opened: Services[] = [];
  /** Published issues (entry + object) before the current test, which must never change. */
  let published: Map<string, string>;
  let faultsInjected = 0;

  /** Services of one faulty run: own SDK clients with fault middleware. */
  const faulty = (renderer: PdfRenderer = tiny) => {
    const services = createServices(stores.config, { renderer });
    opened.push(services);
    const dynamo = injectFaults(services.clients.dynamodb);
    const s3 = injectFaults(services.clients.s3);
    return { services, dynamo, s3 };
  };
  const deps = (services: Services, renderer: PdfRenderer = tiny): PublishDeps => ({
    ...publishDeps(services, renderer, join(stores.dir, 'work')),
    leaseMs: LEASE_MS,
  });
  /** A trigger released at once (an editor's `generate --release`), printing even unchanged data. */
  const publish = async (d: PublishDeps, slotKey: string) => {
    const result = await publishReport(d, {
      kind: 'torch-bulletin',
      slotKey,
      period: PERIOD,
      force: true,
      releaseNow: { by: 'test' },
      trigger: 'test',
    });
    return { ...result, issue: result.issue! };
  };
  /** The last released total of the series (what the next release must follow). */
  const lastTotal = async () =>
    Math.max(...(await unbackedClaims(stores.services)).issues.map((i) => i.total));
  /** The failed (or interrupted) run of a slot, with the reason it recorded. */
  const failedRun = async (slotKey: string) => {
    const deadline = Date.now() + LEASE_MS * 2;
    for (;;) {
      const runs = await listRuns(cycleOf(deps(stores.services)), { limit: 500 });
      const run = runs.find(
        (r) => r.slotKey === slotKey && (r.state === 'failed' || r.state === 'interrupted'),
      );
      // A killed run shows as interrupted once its lease has run out; the release it had
      // begun holds its draft a lease longer (taken over after that).
      if (run?.state === 'interrupted') await new Promise((r) => setTimeout(r, LEASE_MS + 100));
      if (run || Date.now() > deadline) return run;
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const issueOfSlot = async (slotKey: string): Promise<Issue | undefined> =>
    (await unbackedClaims(stores.services)).issues.find((i) => i.slotKey === slotKey);
  const count = (...injectors: FaultInjector[]) =>
    (faultsInjected += injectors.reduce((n, i) => n + i.injected, 0));

  async function snapshotPublished(): Promise<Map<string, string>> {
    const { issues } = await unbackedClaims(stores.services);
    const map = new Map<string, string>();
    for (const issue of issues.filter((i) => i.status === 'published')) {
      const bytes = await stores.services.archive.get(issue.s3Key!);
      map.set(issue.id, JSON.stringify({ issue, bytes: Buffer.from(bytes!).toString('base64') }));
    }
    return map;
  }

  /** The promises every fault must keep. */
  async function assertInvariants(): Promise<void> {
    expect((await unbackedClaims(stores.services)).violations).toEqual([]);
    const now = await snapshotPublished();
    for (const [id, before] of published) expect(now.get(id), id).toBe(before);
  }

  /**
   * The fault left no issue for the slot and took no number; the run says why. Retrying the run
   * with healthy services releases the slot with the next number after `before`.
   */
  async function retryCompletes(
    slotKey: string,
    before: number,
    reason: RegExp,
    renderer: PdfRenderer = tiny,
  ) {
    expect(await issueOfSlot(slotKey)).toBeUndefined();
    expect(await lastTotal()).toBe(before);
    const run = await failedRun(slotKey);
    expect(run, `a failed run of ${slotKey}`).toBeDefined();
    if (run!.state === 'failed') expect(run!.detail).toMatch(reason);
    const result = await retryRun(cycleOf(deps(stores.services, renderer)), run!.runId);
    expect(result.outcome).toBe('released');
    const issue = result.issue!;
    expect(issue.total).toBe(before + 1);
    expect(issue.status).toBe('published');
    expect(issue.slotKey).toBe(slotKey);
    await assertInvariants();
    return { ...result, issue };
  }

  beforeAll(async () => {
    tiny = createTinyRenderer();
    stores = await startTestStores({ renderer: tiny });
    await seedRealData(stores.services);
    // Something already published that no fault may touch.
    await publish(deps(stores.services), 'already-published');
  });

  beforeEach(async () => {
    published = await snapshotPublished();
  });

  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await stores?.stop();
    console.log(`faults injected in this file: ${faultsInjected}`);
  });

  it('S3 refuses the put: no number taken, the run failed with the reason; its retry releases it', async () => {
    // Prepare
    const { services, s3 } = faulty();
    s3.rule = ({ command }) =>
      command === 'PutObjectCommand' ? serviceError('AccessDenied', 403) : undefined;

    const before = await lastTotal();

    // Act
    const error = await publish(deps(services), 's3-refuses').catch((e: unknown) => e);

    // Assess
    expect(String(error)).toMatch(/无法存入 s3:\/\/.*：AccessDenied/);
    await assertInvariants();
    count(s3);
    await retryCompletes('s3-refuses', before, /AccessDenied/);
  });

  it('S3 answers 503 SlowDown once: the SDK retries and the run publishes', async () => {
    const { services, s3 } = faulty();
    s3.rule = ({ command, attempt }) =>
      command === 'PutObjectCommand' && attempt === 1 ? serviceError('SlowDown', 503) : undefined;

    const result = await publish(deps(services), 's3-slow-down');

    expect(s3.log).toEqual(expect.arrayContaining(['PutObjectCommand!', 'PutObjectCommand']));
    expect(result.issue.status).toBe('published');
    await assertInvariants();
    count(s3);
  });

  it('the S3 put times out: no number taken, the run failed with the timeout; its retry releases it', async () => {
    // Prepare: the archive's S3 endpoint accepts connections and never answers.
    const hole = await startBlackHole();
    const clients = createAwsClients(
      { ...stores.config, endpoints: { ...stores.config.endpoints, s3: hole.url } },
      { requestTimeoutMs: 300 },
    );
    const d = {
      ...deps(stores.services),
      archive: createS3Archive(clients.s3, stores.config.bucket),
    };

    const before = await lastTotal();

    // Act
    const error = await publish(d, 's3-times-out').catch((e: unknown) => e);
    clients.destroy();
    await hole.stop();

    // Assess
    expect(String(error)).toMatch(/无法存入 s3:\/\/.*TimeoutError/);
    // Every file of the release is put at once (the PDF among them), each given the SDK's five
    // attempts, each timed out.
    const paths = Object.keys(hole.byPath);
    expect(paths.some((p) => p.endsWith('.pdf'))).toBe(true);
    expect(Object.values(hole.byPath)).toEqual(paths.map(() => 5));
    expect(hole.requests).toBe(5 * paths.length);
    await assertInvariants();
    faultsInjected += hole.requests;
    await retryCompletes('s3-times-out', before, /TimeoutError/);
  });

  it('DynamoDB throttles every first write: the run still publishes one numbered issue', async () => {
    const { services, dynamo } = faulty();
    dynamo.rule = ({ command, attempt }) =>
      attempt === 1 && /^(PutItem|UpdateItem)Command$/.test(command)
        ? serviceError(
            'ThrottlingException',
            400,
            'Rate of requests exceeds the allowed throughput.',
          )
        : undefined;

    const result = await publish(deps(services), 'dynamo-throttles');

    expect(dynamo.injected).toBeGreaterThanOrEqual(4); // run, trigger, draft, issue …
    expect(result.issue.status).toBe('published');
    expect(
      (await unbackedClaims(stores.services)).issues.filter(
        (i) => i.slotKey === 'dynamo-throttles',
      ),
    ).toHaveLength(1);
    await assertInvariants();
    count(dynamo);
  });

  it('DynamoDB fails mid-batch during ingest: nothing of the batch stays; a retry stores it whole', async () => {
    // Prepare: 60 new records and 2 revised ones; the second BatchWriteItem of the batch's
    // items fails for good (every SDK attempt), after the first one was stored.
    const { services, dynamo } = faulty();
    const rows = Array.from(
      { length: 60 },
      (_, i) => `zhongguancun,gdp,${1960 + i},${i + 1},亿元,,,故障测试`,
    );
    const revised = (await stores.services.records.recordsOfPeriod(PERIOD))
      .filter((r) => stores.services.reference.indicator(r.indicator)?.unit === '亿元')
      .slice(0, 2);
    expect(revised).toHaveLength(2);
    const csv = (lines: string[]) => ({
      name: 'mid-batch.csv',
      bytes: new TextEncoder().encode(
        ['zone,indicator,period,value,unit,yoy,share,source', ...lines].join('\n'),
      ),
    });
    const batch = csv([
      ...rows,
      ...revised.map(
        (r) => `${r.zone},${r.indicator},${r.period},${r.value + 1},亿元,${r.yoy ?? ''},,故障测试`,
      ),
    ]);
    const before = await dumpRecords(stores.services);
    let writes = 0;
    const failing = new Set<unknown>();
    dynamo.rule = ({ command, input }) => {
      if (command !== 'BatchWriteItemCommand') return undefined;
      if (!failing.has(input)) {
        writes += 1;
        // 1: the journal; 2: the first 25 items; 3: the next 25.
        if (writes === 3) failing.add(input);
      }
      return failing.has(input)
        ? serviceError('InternalServerError', 500, 'injected: the table is gone')
        : undefined;
    };

    // Act
    const error = await ingestFiles({ records: services.records, reference: services.reference }, [
      batch,
    ]).catch((e: unknown) => e);
    const afterFailure = await dumpRecords(stores.services);
    const retry = await ingestFiles(
      { records: stores.services.records, reference: stores.services.reference },
      [batch],
    );

    // Assess: the failed batch left the table as it was; the retry stored all of it.
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toMatch(/未存入/);
    expect(dynamo.injected).toBeGreaterThan(0);
    expect(afterFailure).toEqual(before);
    expect(retry).toMatchObject({ created: 60, revised: 2 });
    for (let i = 0; i < 60; i++) {
      const key = { zone: 'zhongguancun', indicator: 'gdp', period: String(1960 + i) };
      const revisions = await stores.services.records.revisions(key);
      expect(revisions.map((r) => [r.revision, r.value])).toEqual([[1, i + 1]]);
    }
    for (const r of revised) {
      const revisions = await stores.services.records.revisions(r);
      expect(revisions.map((x) => x.value).slice(-2)).toEqual([r.value, r.value + 1]);
    }
    await assertInvariants();
    count(dynamo);
  });

  it('DynamoDB refuses the numbered issue after the put: no number taken, failed with the reason, retried', async () => {
    const { services, dynamo } = faulty();
    // The release's one conditional put of the numbered issue (sk N#…) is refused.
    dynamo.rule = ({ command, input }) =>
      command === 'PutItemCommand' && /"N#\d+"/.test(JSON.stringify(input.Item?.sk ?? ''))
        ? serviceError('AccessDeniedException', 400, 'injected: not allowed to write the issue')
        : undefined;
    const before = await lastTotal();

    const error = await publish(deps(services), 'catalog-refuses').catch((e: unknown) => e);

    expect(String(error)).toMatch(/not allowed to write the issue/);
    await assertInvariants();
    count(dynamo);
    await retryCompletes('catalog-refuses', before, /not allowed to write the issue/);
  });

  it('the process dies between the S3 put and the catalog write: no number taken; the interrupted run is resumed', async () => {
    // Prepare: once the PDF is in S3, no DynamoDB write gets through any more (not even
    // the record of the failure): what a killed process leaves behind.
    const { services, dynamo, s3 } = faulty();
    let dead = false;
    s3.rule = ({ command }) => {
      if (command === 'PutObjectCommand') queueMicrotask(() => (dead = true));
      return undefined;
    };
    dynamo.rule = () =>
      dead ? serviceError('NetworkingError', 0, 'injected: process gone') : undefined;

    const before = await lastTotal();

    // Act
    const error = await publish(deps(services), 'dies-after-put').catch((e: unknown) => e);

    // Assess: no issue for the slot; the orphan object is harmless (the sweep removes it).
    expect(error).toBeInstanceOf(Error);
    expect(dead).toBe(true);
    await assertInvariants();
    count(dynamo, s3);
    await retryCompletes('dies-after-put', before, /process gone/);
  });

  it('DynamoDB fails while the run starts: nothing numbered, the next run takes the next number', async () => {
    const before = (await unbackedClaims(stores.services)).issues;
    const next = Math.max(...before.map((i) => i.total)) + 1;
    const { services, dynamo } = faulty();
    dynamo.rule = ({ command }) =>
      command === 'PutItemCommand'
        ? serviceError('AccessDeniedException', 400, 'injected')
        : undefined;

    const error = await publish(deps(services), 'claim-fails').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Error);
    expect(await issueOfSlot('claim-fails')).toBeUndefined();
    const result = await publish(deps(stores.services), 'claim-fails');
    expect(result.issue.total).toBe(next);
    await assertInvariants();
    count(dynamo);
  });

  it('a released slot retried while S3 is down returns the released issue untouched', async () => {
    const { services, s3 } = faulty();
    s3.rule = () => serviceError('ServiceUnavailable', 503);

    const result = await publish(deps(services), 'already-published');

    expect(result.printed).toBe(false);
    expect(result.issue.status).toBe('published');
    expect(s3.log).toEqual([]);
    await assertInvariants();
  });

  describe('Chromium', () => {
    const savedTmpdir = process.env['TMPDIR'];
    let chromium: ChromiumRenderer;
    let tmp: string;

    /** The real renderer, with the HTML changed or the browser killed on the way. */
    const around = (before: (req: RenderRequest) => Promise<RenderRequest>): PdfRenderer => ({
      async renderPdf(req) {
        return chromium.renderPdf(await before(req));
      },
      close: async () => undefined,
    });
    const withScript = async (req: RenderRequest, script: string): Promise<RenderRequest> => {
      const html = await readFile(req.htmlPath, 'utf8');
      await writeFile(req.htmlPath, html.replace('</body>', `<script>${script}</script></body>`));
      return req;
    };

    beforeAll(async () => {
      // Chromium unpacks into $TMPDIR/chromium and reuses what it finds there unchecked.
      tmp = await mkdtemp(join(tmpdir(), 'faults-chromium-'));
      process.env['TMPDIR'] = tmp;
      chromium = createChromiumRenderer();
    });

    afterAll(async () => {
      await chromium?.close();
      if (savedTmpdir === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = savedTmpdir;
      await rm(tmp, { recursive: true, force: true });
    });

    it('the browser is killed mid-render: no number taken, failed with the reason; the retry relaunches and releases', async () => {
      // Prepare: a page that keeps the browser busy, killed once the render is under way.
      await chromium.renderPdf({ htmlPath: await blankPage(tmp), allowedRoots: [tmp] });
      const pid = chromium.browserPid()!;
      const renderer = around(async (req) => {
        const hung = await withScript(req, 'for(;;){}');
        setTimeout(() => process.kill(pid, 'SIGKILL'), 500);
        return { ...hung, timeoutMs: 30_000 };
      });

      const before = await lastTotal();

      // Act
      const error = await publish(deps(stores.services, renderer), 'chromium-crash').catch(
        (e: unknown) => e,
      );

      // Assess
      expect(String(error)).toMatch(/\[render\]/);
      expect(String(error)).not.toMatch(/超时/);
      await assertInvariants();
      faultsInjected += 1;
      const done = await retryCompletes('chromium-crash', before, /\[render\]/, chromium);
      expect(chromium.browserPid()).not.toBe(pid);
      const text = (
        await pdfText((await stores.services.archive.get(done.issue.s3Key!)) as Uint8Array)
      ).join('');
      expect(text).toContain(`总第${before + 1}期`);
    });

    it('a page that never finishes hits the deadline: no number taken, failed with the reason; retried', async () => {
      const renderer = around(async (req) => ({
        ...(await withScript(req, 'for(;;){}')),
        timeoutMs: 1_500,
      }));

      const before = await lastTotal();
      const error = await publish(deps(stores.services, renderer), 'chromium-hangs').catch(
        (e: unknown) => e,
      );

      expect(String(error)).toMatch(/超时：超过 1500ms/);
      await assertInvariants();
      faultsInjected += 1;
      await retryCompletes('chromium-hangs', before, /超时：超过 1500ms/);
    });

    it('a page slower than the deadline is given up, not published late', async () => {
      // A script busy for 2 s, then done: the render would finish, after its 0.8 s deadline.
      const renderer = around(async (req) => ({
        ...(await withScript(req, 'const t=Date.now();while(Date.now()-t<2000){}')),
        timeoutMs: 800,
      }));

      const before = await lastTotal();
      const error = await publish(deps(stores.services, renderer), 'chromium-slow').catch(
        (e: unknown) => e,
      );
      await new Promise((r) => setTimeout(r, 2_000)); // let the late page finish, if it would

      expect(String(error)).toMatch(/超时：超过 800ms/);
      await assertInvariants();
      faultsInjected += 1;
      await retryCompletes('chromium-slow', before, /超时：超过 800ms/);
    });
  });
});

async function blankPage(dir: string): Promise<string> {
  const path = join(dir, 'warm-up.html');
  await writeFile(
    path,
    '<!doctype html><html><head><meta charset="utf-8"><title>预热</title></head><body><p>预热</p></body></html>',
  );
  return path;
}
