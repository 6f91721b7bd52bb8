/**
 * Every Lambda handler invoked as Lambda would invoke it — with events of the recorded shapes
 * (S3 ObjectCreated, EventBridge Scheduler target input, API Gateway v2 HTTP, SQS) — against
 * dynalite and s3rver through the real AWS SDK. The report queue is a small SQS-compatible
 * endpoint in this file (no local SQS server is installed): it speaks the SDK's JSON protocol
 * and hands the sent message to the generate handler as an SQS event.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2, Context, S3Event, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as apiHandler } from '#handlers/api.ts';
import { handler as generateHandler } from '#handlers/generate-report.ts';
import { handler as ingestHandler } from '#handlers/ingest-upload.ts';
import { publishDeps, resetRuntime, runtimeServices } from '#handlers/runtime.ts';
import { releaseDraft } from '../../functions/app/lifecycle.ts';
import { cycleOf } from '../../functions/app/publish.ts';
import { handler as scheduledHandler } from '#handlers/scheduled-bulletin.ts';
import { pdfText } from '#tests/support/pdf.ts';
import { startReportQueue } from '#tests/support/report-queue.ts';
import { startTestStores, type TestStores } from '#tests/support/stores.ts';

// Read by the Powertools logger and metrics when the handler modules load: quiet tests.
vi.hoisted(() => {
  process.env['POWERTOOLS_METRICS_DISABLED'] = 'true';
  process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT';
});

const ROOT = join(import.meta.dirname, '..', '..');
const ACCOUNT = '123456789012';
const OPERATOR_ARN = `arn:aws-cn:iam::${ACCOUNT}:user/bulletin-operator`;

/** A Lambda context as the runtime passes it (only what handlers read is meaningful). */
function lambdaContext(name: string): Context {
  return {
    awsRequestId: randomUUID(),
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws-cn:lambda:cn-north-1:${ACCOUNT}:function:${name}`,
    memoryLimitInMB: '3008',
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: '2026/01/15/[$LATEST]0123456789abcdef',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 300_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** S3 → Lambda notification (event version 2.1), as S3 sends it for one PutObject. */
function s3Event(bucket: string, key: string, size: number): S3Event {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'cn-north-1',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
        requestParameters: { sourceIPAddress: '203.0.113.7' },
        responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'ingest-uploads',
          bucket: {
            name: bucket,
            ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
            arn: `arn:aws-cn:s3:::${bucket}`,
          },
          // S3 URL-encodes the key in events, spaces as +.
          object: {
            key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'),
            size,
            eTag: 'd41d8cd98f00b204e9800998ecf8427e',
            sequencer: '0055AED6DCD90281E5',
          },
        },
      },
    ],
  };
}

/** The target input of the monthly schedule, context attributes resolved by the Scheduler. */
function schedulerEvent(scheduledTime: string, attempt = 1) {
  return {
    scheduleId: 'monthly-bulletin',
    kind: 'torch-bulletin',
    series: 'torch-bulletin',
    scheduledTime,
    scheduleArn: `arn:aws-cn:scheduler:cn-north-1:${ACCOUNT}:schedule/TorchBulletin/monthly-bulletin`,
    executionId: randomUUID(),
    attemptNumber: String(attempt),
  };
}

/** API Gateway HTTP API (payload format 2.0) event; `iamCaller` as the IAM authorizer puts it. */
function httpEvent(
  method: string,
  path: string,
  opts: { body?: unknown; iamCaller?: string; query?: string; routeKey?: string } = {},
): APIGatewayProxyEventV2 {
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return {
    version: '2.0',
    routeKey: opts.routeKey ?? '$default',
    rawPath: path,
    rawQueryString: opts.query ?? '',
    headers: {
      accept: 'application/json',
      host: 'abc123.execute-api.cn-north-1.amazonaws.com.cn',
      'user-agent': 'curl/8.5.0',
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-proto': 'https',
      ...(body
        ? { 'content-type': 'application/json', 'content-length': String(body.length) }
        : {}),
    },
    requestContext: {
      accountId: ACCOUNT,
      apiId: 'abc123',
      domainName: 'abc123.execute-api.cn-north-1.amazonaws.com.cn',
      domainPrefix: 'abc123',
      http: {
        method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'curl/8.5.0',
      },
      requestId: 'JKJaXmPLvHcESHA=',
      routeKey: opts.routeKey ?? '$default',
      stage: '$default',
      time: '15/Jan/2026:01:00:00 +0000',
      timeEpoch: Date.parse('2026-01-15T01:00:00Z'),
      ...(opts.iamCaller
        ? {
            authorizer: {
              iam: {
                accessKey: 'AKIAEXAMPLE',
                accountId: ACCOUNT,
                callerId: 'AIDAEXAMPLE',
                principalOrgId: null,
                userArn: opts.iamCaller,
                userId: 'AIDAEXAMPLE',
                cognitoIdentity: null,
              },
            },
          }
        : {}),
    } as APIGatewayProxyEventV2['requestContext'],
    isBase64Encoded: false,
    ...(body ? { body } : {}),
  };
}

/** The SQS → Lambda event of one received message. */
function sqsEvent(body: string, receiveCount = 1): SQSEvent {
  return {
    Records: [
      {
        messageId: randomUUID(),
        receiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a',
        body,
        attributes: {
          ApproximateReceiveCount: String(receiveCount),
          SentTimestamp: String(Date.now()),
          SenderId: 'AIDAEXAMPLE',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: createHash('md5').update(body).digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws-cn:sqs:cn-north-1:${ACCOUNT}:TorchBulletin-ReportRequests`,
        awsRegion: 'cn-north-1',
      },
    ],
  };
}

describe('Lambda handlers on the local stack', () => {
  const savedEnv = { ...process.env };
  let stores: TestStores;
  let queue: Awaited<ReturnType<typeof startReportQueue>>;
  let work: string;

  const s3 = () => stores.services.clients.s3;
  const bucket = () => stores.config.bucket;
  async function upload(key: string, bytes: Uint8Array): Promise<S3Event> {
    await s3().send(new PutObjectCommand({ Bucket: bucket(), Key: key, Body: bytes }));
    return s3Event(bucket(), key, bytes.byteLength);
  }
  async function keysUnder(prefix: string): Promise<string[]> {
    const out = await s3().send(new ListObjectsV2Command({ Bucket: bucket(), Prefix: prefix }));
    return (out.Contents ?? []).map((o) => o.Key!).sort();
  }

  beforeAll(async () => {
    // Chromium unpacks into $TMPDIR/chromium and reuses what it finds there unchecked.
    work = await mkdtemp(join(tmpdir(), 'handlers-test-'));
    process.env['TMPDIR'] = work;
    queue = await startReportQueue();
    const env = {
      BULLETIN_OUTBOX_DIR: join(work, 'outbox'),
      BULLETIN_PUBLIC_BASE_URL: 'https://abc123.execute-api.cn-north-1.amazonaws.com.cn',
      AWS_ENDPOINT_URL_SQS: queue.url,
      BULLETIN_REPORT_QUEUE_URL: `${queue.url}/${ACCOUNT}/TorchBulletin-ReportRequests`,
    };
    stores = await startTestStores({ env });
    // The handlers read their configuration from the environment, as on Lambda.
    Object.assign(process.env, env);
    await resetRuntime();
  });

  afterAll(async () => {
    await resetRuntime();
    await stores?.stop();
    await new Promise((r) => queue?.server.close(r));
    process.env = savedEnv;
    await rm(work, { recursive: true, force: true });
  });

  it('ingest-upload: stores every uploaded data file and moves it to ingested/', async () => {
    const dir = join(ROOT, 'data', 'records');
    const files = [
      ...(await readdir(dir)).filter((f) => f.endsWith('.csv')).map((f) => join(dir, f)),
      join(ROOT, 'data', 'articles.json'),
    ];
    for (const file of files) {
      const event = await upload(`uploads/${basename(file)}`, await readFile(file));
      const [outcome] = await ingestHandler(event, lambdaContext('IngestUpload'));
      expect(outcome).toMatchObject({ status: 'ingested', movedTo: `ingested/${basename(file)}` });
    }
    expect(await keysUnder('uploads/')).toEqual([]);
    expect(await keysUnder('ingested/')).toContain('ingested/national-2024.csv.summary.json');
    expect(await stores.services.records.latestPeriodOf('national-htz', 'gdp')).toBeTruthy();
  });

  it('ingest-upload: a bad file is moved to rejected/ with its report, nothing stored', async () => {
    const name = 'Bad Upload 2031.csv';
    const csv =
      'zone,indicator,period,value,unit,source,yoy,share\n' +
      'national-htz,gdp,2031,not-a-number,亿元,test,,\n';
    const event = await upload(`uploads/${name}`, new TextEncoder().encode(csv));
    const [outcome] = await ingestHandler(event, lambdaContext('IngestUpload'));
    expect(outcome).toMatchObject({ status: 'rejected', movedTo: `rejected/${name}` });
    expect(await keysUnder('rejected/')).toEqual([
      `rejected/${name}`,
      `rejected/${name}.errors.txt`,
    ]);
    const report = await s3().send(
      new GetObjectCommand({ Bucket: bucket(), Key: `rejected/${name}.errors.txt` }),
    );
    const text = await report.Body!.transformToString();
    expect(text).toContain(name);
    expect(text).toMatch(/未存入任何内容/);
    expect(text).toMatch(/value/);
    expect(await stores.services.records.recordsOfPeriod('2031')).toEqual([]);
    // A second delivery of the same event finds nothing left to do.
    const [again] = await ingestHandler(event, lambdaContext('IngestUpload'));
    expect(again).toMatchObject({ status: 'skipped' });
  });

  it('scheduled-bulletin: makes a draft for review; the same firing again makes nothing new; the release numbers it', async () => {
    const event = schedulerEvent('2026-01-15T01:00:00Z');
    const first = await scheduledHandler(event, lambdaContext('ScheduledBulletin'));
    // 《火炬动态》 needs review: the firing makes a draft, with no number.
    expect(first).toMatchObject({ outcome: 'drafted', printed: true });
    expect(first.slotKey).toBe('schedule:monthly-bulletin:2026-01-15T01:00:00.000Z');
    const draft = await stores.services.cycle.getDraft(first.draftId!);
    expect(draft).toMatchObject({ status: 'draft', slotKey: first.slotKey });
    const draftPdf = await stores.services.archive.get(draft!.s3Key!);
    expect((await pdfText(draftPdf!)).join('\n')).toContain('样稿');

    // At-least-once delivery: the Scheduler retries, Lambda retries.
    const again = await scheduledHandler(
      schedulerEvent('2026-01-15T01:00:00Z', 2),
      lambdaContext('ScheduledBulletin'),
    );
    expect(again).toMatchObject({ draftId: first.draftId, printed: false });

    // The editor releases it: numbered now, under the firing's slot.
    const issue = await releaseDraft(cycleOf(publishDeps(runtimeServices())), first.draftId!, {
      by: 'test editor',
    });
    expect(issue).toMatchObject({ status: 'published', slotKey: first.slotKey });
    const pdf = await stores.services.archive.get(issue.s3Key!);
    expect(Buffer.from(pdf!.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    expect((await pdfText(pdf!)).join('\n')).toContain('火炬动态');
    const { items } = await stores.services.catalog.list('torch-bulletin');
    expect(items.filter((i) => i.slotKey.startsWith('schedule:'))).toHaveLength(1);
  });

  it('scheduled-bulletin: refuses a malformed event naming the field', async () => {
    await expect(
      scheduledHandler(
        { ...schedulerEvent('2026-02-15T01:00:00Z'), scheduledTime: 'yesterday' },
        lambdaContext('ScheduledBulletin'),
      ),
    ).rejects.toThrow(/scheduledTime/);
  });

  it('api + generate-report: an on-demand POST is queued and drafted; the same request id answers from the catalog', async () => {
    const before = queue.sent.length;
    const post = () =>
      apiHandler(
        httpEvent('POST', '/reports', {
          body: { kind: 'torch-bulletin', period: '2023', requestId: 'ops-2026-01-a' },
          iamCaller: OPERATOR_ARN,
          routeKey: 'POST /reports',
        }),
        lambdaContext('Api'),
      );
    const res = await post();
    expect(res.statusCode, String(res.body)).toBe(202);
    const answer = JSON.parse(String(res.body)) as {
      draftId: string;
      slotKey: string;
      status: string;
    };
    expect(answer).toMatchObject({
      status: 'queued',
      slotKey: `api:iam:${OPERATOR_ARN}:ops-2026-01-a`,
    });
    expect(queue.sent).toHaveLength(before + 1);
    const job = JSON.parse(queue.sent.at(-1)!) as { kind: string; slotKey: string };
    expect(job).toMatchObject({ kind: 'torch-bulletin', slotKey: answer.slotKey });

    const out = await generateHandler(sqsEvent(queue.sent.at(-1)!), lambdaContext('Generate'));
    expect(out).toEqual({ batchItemFailures: [] });
    const draft = await stores.services.cycle.getDraft(answer.draftId);
    expect(draft).toMatchObject({ status: 'draft', kind: 'torch-bulletin' });
    expect(draft!.pages).toBeGreaterThan(0);

    // The same request id again: the same draft, nothing queued.
    const repeat = JSON.parse(String((await post()).body)) as Record<string, unknown>;
    expect(repeat).toMatchObject({ draftId: answer.draftId, status: 'drafted' });
    expect(queue.sent).toHaveLength(before + 1);

    // The same request id with other parameters is refused, not answered with that draft.
    const reused = await apiHandler(
      httpEvent('POST', '/reports', {
        body: { kind: 'torch-bulletin', period: '2022', requestId: 'ops-2026-01-a' },
        iamCaller: OPERATOR_ARN,
        routeKey: 'POST /reports',
      }),
      lambdaContext('Api'),
    );
    expect(reused.statusCode).toBe(409);

    // Reviewed and released: numbered then, in the catalog.
    const issue = await releaseDraft(cycleOf(publishDeps(runtimeServices())), answer.draftId, {
      by: 'test editor',
    });
    expect(issue).toMatchObject({ status: 'published', period: '2023', slotKey: answer.slotKey });
  });

  it('api + generate-report: a zone profile and a regional report are released at once in their own series (no review)', async () => {
    for (const body of [
      { kind: 'zone-profile', zone: 'wuhan-donghu', requestId: 'ops-zone-1' },
      { kind: 'regional-report', region: '长三角', requestId: 'ops-region-1' },
    ]) {
      const post = () =>
        apiHandler(
          httpEvent('POST', '/reports', {
            body,
            iamCaller: OPERATOR_ARN,
            routeKey: 'POST /reports',
          }),
          lambdaContext('Api'),
        );
      const res = await post();
      expect(res.statusCode, String(res.body)).toBe(202);
      const out = await generateHandler(sqsEvent(queue.sent.at(-1)!), lambdaContext('Generate'));
      expect(out).toEqual({ batchItemFailures: [] });
      const answer = JSON.parse(String((await post()).body)) as {
        issueId: string;
        status: string;
      };
      expect(answer.status, JSON.stringify(answer)).toBe('released');
      expect(answer.issueId).toMatch(new RegExp(`^${body.kind}-\\d+$`));
      const issue = await stores.services.catalog.get(answer.issueId);
      expect(issue).toMatchObject({ status: 'published', kind: body.kind, series: body.kind });
      expect(issue!.s3Key).toMatch(new RegExp(`^issues/${body.kind}/`));
    }
  });

  it('api (operator) + generate-report: drafts are listed; a release is handed to the generate function, which numbers it', async () => {
    const caller = (method: string, path: string, body?: unknown) =>
      apiHandler(
        httpEvent(method, path, {
          ...(body === undefined ? {} : { body }),
          iamCaller: OPERATOR_ARN,
          routeKey: `${method} /operator/api/{proxy+}`,
        }),
        lambdaContext('Api'),
      );
    // A draft of another period (the data of the released ones would make none).
    const res = await apiHandler(
      httpEvent('POST', '/reports', {
        body: { kind: 'torch-bulletin', period: '2012', requestId: 'ops-operator-1' },
        iamCaller: OPERATOR_ARN,
        routeKey: 'POST /reports',
      }),
      lambdaContext('Api'),
    );
    const { draftId } = JSON.parse(String(res.body)) as { draftId: string };
    await generateHandler(sqsEvent(queue.sent.at(-1)!), lambdaContext('Generate'));

    const listed = await caller('GET', '/operator/api/drafts');
    expect(listed.statusCode).toBe(200);
    const drafts = (JSON.parse(String(listed.body)) as { drafts: { id: string }[] }).drafts;
    expect(drafts.map((d) => d.id)).toContain(draftId);
    // Without the authorizer's principal: refused.
    const anonymous = await apiHandler(
      httpEvent('GET', '/operator/api/drafts'),
      lambdaContext('Api'),
    );
    expect(anonymous.statusCode).toBe(401);

    // The API has no browser: the release is queued, and the generate function prints it.
    const before = queue.sent.length;
    const release = await caller('POST', `/operator/api/drafts/${draftId}/release`, {});
    expect(release.statusCode, String(release.body)).toBe(202);
    expect(queue.sent).toHaveLength(before + 1);
    const job = JSON.parse(queue.sent.at(-1)!) as Record<string, string>;
    expect(job).toMatchObject({ action: 'release', draftId, by: `iam:${OPERATOR_ARN}` });
    const out = await generateHandler(sqsEvent(queue.sent.at(-1)!), lambdaContext('Generate'));
    expect(out).toEqual({ batchItemFailures: [] });
    const draft = await stores.services.cycle.getDraft(draftId);
    expect(draft).toMatchObject({ status: 'published', decidedBy: `iam:${OPERATOR_ARN}` });
    const issue = await stores.services.catalog.get(draft!.issueId!);
    expect(issue).toMatchObject({ status: 'published', period: '2012' });

    // An embargo's one-time schedule invokes the generate function with a release-due job:
    // a draft that is not scheduled (this one is released) is left alone.
    await expect(
      generateHandler(
        { action: 'release-due', draftId, slotKey: `operator:release-due:${draftId}` },
        lambdaContext('Generate'),
      ),
    ).resolves.toMatchObject({ done: expect.stringMatching(/没有到期待发布的/) });
  });

  it('api: POST /reports without an authorizer principal is refused', async () => {
    const res = await apiHandler(
      httpEvent('POST', '/reports', { body: { kind: 'torch-bulletin' } }),
      lambdaContext('Api'),
    );
    expect(res.statusCode).toBe(401);
  });

  it('api: a download GET answers 302 with a presigned URL that serves the PDF', async () => {
    const latest = await stores.services.catalog.latest('torch-bulletin');
    const res = await apiHandler(
      httpEvent('GET', `/bulletins/${latest!.id}/download`),
      lambdaContext('Api'),
    );
    expect(res.statusCode).toBe(302);
    const location = (res.headers?.['location'] ?? res.headers?.['Location']) as string;
    expect(location).toMatch(/X-Amz-Expires=(\d+)/);
    expect(Number(/X-Amz-Expires=(\d+)/.exec(location)![1])).toBeLessThanOrEqual(900);
    const download = await fetch(location);
    expect(download.status).toBe(200);
    const bytes = new Uint8Array(await download.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(latest!.sha256);
  });

  it('api: lists bulletins as JSON through the $default route', async () => {
    const res = await apiHandler(httpEvent('GET', '/bulletins'), lambdaContext('Api'));
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(String(res.body)) as { items: { id: string }[] };
    expect(body.items.length).toBeGreaterThanOrEqual(2);
  });

  it('generate-report: a direct invocation with an unknown kind fails with a clear message', async () => {
    await expect(
      generateHandler({ kind: 'newsletter' }, lambdaContext('Generate')),
    ).rejects.toThrow(/kind/);
    // The runtime keeps one set of services per container.
    expect(runtimeServices()).toBe(runtimeServices());
  });
});
