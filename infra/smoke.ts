/**
 * `npm run smoke -- --base-url URL [--token T | --iam] [--alarm-test]`: exercises a deployed
 * stack (or `bulletin serve`) the way an operator and a subscriber would:
 *
 *   1. the archive page answers;
 *   2. POST /reports triggers a report (Bearer token: JWT or the local token; `--iam`: SigV4 with
 *      the default AWS credentials, for the IAM authorizer);
 *   3. the trigger is polled (the same request again: one request id, one run) until it ends:
 *      released, unchanged (the issue already out), or a draft awaiting review — then the
 *      series' latest released issue is checked, and the draft is named for the editor;
 *   4. the issue is listed in GET /bulletins;
 *   5. its PDF is downloaded (through the presigned redirect) and checked: the bytes match the
 *      catalog's sha256 and size, the page count matches, every font is embedded, none is a
 *      Type 3 (synthesized) font and the CJK fonts are there;
 *   6. the Atom feed lists it;
 *   7. an embargo: a bulletin draft (its series needs review) is scheduled for release 60 s
 *      ahead (whole seconds); before that second nothing of it is public, after it the issue
 *      is released (by EventBridge Scheduler on AWS, by `bulletin serve`'s tick locally), with
 *      a release time not before the embargo, and the feed lists it (`--no-embargo` skips it);
 *   8. with `--state-machine-arn`: the all-zones state machine runs on 3 zones (StartExecution,
 *      SigV4-signed) and must succeed with every zone rendered or skipped, none failed;
 *   9. with `--alarm-test`: one alarm of the stack is set to ALARM and the alarm history must
 *      show CloudWatch publishing to the SNS topic (the topic policy works); then OK again;
 *  10. with a console test user (`--user-pool-id`, `--smoke-client-id` and the environment's
 *      `BULLETIN_SMOKE_USER`, `BULLETIN_SMOKE_PASSWORD`, `BULLETIN_SMOKE_TOTP_SECRET`): it signs
 *      in to the console's user pool (password, then TOTP) and opens a console page with the
 *      ID token (./smoke-console.ts), right after the archive page.
 *
 * The default report is a regional report (长三角): its series needs no review, so on a fresh
 * stack the trigger releases it at once and steps 4–6 check a real issue.
 *
 * Exit code 0 when every step passed, 1 otherwise (the failed step is named). Dependency-free
 * of the runtime code: it talks HTTP (and CloudWatch for the alarm test) only.
 */
import { createHash, createHmac } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { PDFDict, PDFDocument, PDFName, PDFArray, PDFRef } from '@cantoo/pdf-lib';
import {
  checkConsolePage,
  cognitoFor,
  consoleIdToken,
  type ConsoleSmokeUser,
} from './smoke-console.ts';

export interface SmokeOptions {
  baseUrl: string;
  /** Bearer token for POST /reports (JWT authorizer, or the local server's token). */
  token?: string;
  /** Sign POST /reports with SigV4 (IAM authorizer) using the default credential chain. */
  iam?: boolean;
  region?: string;
  series?: string;
  kind?: string;
  /** The kind's parameters (`zone`, `region` …, as in `POST /reports`). */
  params?: Record<string, string>;
  /** How long to wait for the report, seconds. */
  timeoutSeconds?: number;
  alarmTest?: boolean;
  /** The stack whose alarm is tested (`AlarmNamePrefix`). */
  stackName?: string;
  /** Schedule a bulletin draft's release this many seconds ahead and watch it (default 60; 0: skip). */
  embargoSeconds?: number;
  /** The all-zones state machine (output `StateMachineArn`): run it on {@link zones}. */
  stateMachineArn?: string;
  /** Zones of the all-zones run (default: three zones of the repository's data). */
  zones?: string[];
  /** A console test user: sign in (Cognito, TOTP) and open a console page with the token. */
  console?: ConsoleSmokeUser & {
    /** Cognito's endpoint (tests: a loopback service); default the pool's region's. */
    endpoint?: string;
  };
  log?: (line: string) => void;
}

/** Three zones the repository's data has yearly figures for. */
export const SMOKE_ZONES = ['zhongguancun', 'wuhan-donghu', 'suzhou-sip'];

export interface SmokeResult {
  issueId: string;
  /** How the trigger ended: released, unchanged, drafted (awaiting review). */
  outcome: string;
  /** The draft the trigger made, when it awaits review. */
  draftId?: string;
  pages: number;
  bytes: number;
  fonts: string[];
  steps: { name: string; ms: number }[];
}

export class SmokeFailure extends Error {
  constructor(step: string, message: string) {
    super(`smoke step "${step}" failed: ${message}`);
    this.name = 'SmokeFailure';
  }
}

const bytesOf = (d: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof d === 'string'
    ? d
    : d instanceof ArrayBuffer
      ? new Uint8Array(d)
      : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

/** SHA-256 for SignatureV4 (node:crypto), keyed for HMAC when a secret is given. */
class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret ? createHmac('sha256', bytesOf(secret)) : createHash('sha256');
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytesOf(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    throw new Error('not supported');
  }
}

/** The execute-api region from a default endpoint URL, else AWS_REGION. */
function regionOf(url: URL, given?: string): string {
  const m = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(url.hostname);
  const region = given ?? m?.[1] ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'];
  if (!region) throw new SmokeFailure('sign', 'no region: pass --region or set AWS_REGION');
  return region;
}

async function signedHeaders(
  url: URL,
  body: string | undefined,
  region: string,
  opts: { service?: string; method?: string; headers?: Record<string, string> } = {},
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: opts.service ?? 'execute-api',
    region,
    credentials: defaultProvider(),
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: opts.method ?? 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: {
      host: url.host,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...opts.headers,
    },
    ...(body === undefined ? {} : { body }),
  });
  return signed.headers;
}

/** Fonts of a PDF: name, subtype and whether its program is embedded. */
export function pdfFontsOf(doc: PDFDocument): { name: string; type: string; embedded: boolean }[] {
  const fonts: { name: string; type: string; embedded: boolean }[] = [];
  const lookup = (v: unknown) => (v instanceof PDFRef ? doc.context.lookup(v) : v);
  const hasProgram = (font: PDFDict | undefined): boolean => {
    const descriptor = lookup(font?.get(PDFName.of('FontDescriptor')));
    return (
      descriptor instanceof PDFDict &&
      ['FontFile', 'FontFile2', 'FontFile3'].some((k) => descriptor.has(PDFName.of(k)))
    );
  };
  for (const [, obj] of doc.context.enumerateIndirectObjects()) {
    if (!(obj instanceof PDFDict) || obj.get(PDFName.of('Type')) !== PDFName.of('Font')) continue;
    const type = String(obj.get(PDFName.of('Subtype')) ?? '').replace(/^\//, '');
    if (type.startsWith('CIDFontType')) continue; // counted through its Type0 parent
    const name = String(obj.get(PDFName.of('BaseFont')) ?? `(${type})`).replace(/^\//, '');
    let embedded = type === 'Type3';
    if (type === 'Type0') {
      const descendants = lookup(obj.get(PDFName.of('DescendantFonts')));
      const first = descendants instanceof PDFArray ? lookup(descendants.get(0)) : undefined;
      embedded = hasProgram(first instanceof PDFDict ? first : undefined);
    } else if (type !== 'Type3') {
      embedded = hasProgram(obj);
    }
    fonts.push({ name, type, embedded });
  }
  return fonts;
}

export async function runSmoke(opts: SmokeOptions): Promise<SmokeResult> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const base = new URL(opts.baseUrl.replace(/\/+$/, '') + '/');
  const at = (path: string) => new URL(path.replace(/^\//, ''), base);
  // A kind whose series needs no review: released at once, so a fresh stack has an issue.
  const kind = opts.kind ?? 'regional-report';
  const series = opts.series ?? kind;
  const params = opts.params ?? (opts.kind ? {} : { region: '长三角' });
  const steps: SmokeResult['steps'] = [];
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      const out = await work();
      const ms = Math.round(performance.now() - t0);
      steps.push({ name, ms });
      log(`✓ ${name} (${ms} ms)`);
      return out;
    } catch (err) {
      if (err instanceof SmokeFailure) throw err;
      throw new SmokeFailure(name, err instanceof Error ? err.message : String(err));
    }
  };
  const fetchOk = async (url: URL, init: RequestInit = {}, expect = [200]) => {
    const res = await fetch(url, { redirect: 'follow', ...init });
    if (!expect.includes(res.status)) {
      const text = (await res.text()).slice(0, 300);
      throw new Error(`${init.method ?? 'GET'} ${url.pathname} → ${res.status}: ${text}`);
    }
    return res;
  };
  type IssueJson = {
    id: string;
    status: string;
    pages?: number;
    bytes?: number;
    sha256?: string;
    links: { download?: string };
  };

  await step('archive page', async () => {
    const res = await fetchOk(at(`/?series=${series}`));
    const html = await res.text();
    if (!html.includes('<html')) throw new Error('GET / did not return an HTML page');
  });

  const consoleUser = opts.console;
  if (consoleUser) {
    const idToken = await step(
      `console: sign in as ${consoleUser.username} (user pool, password and TOTP)`,
      async () => {
        const cognito = cognitoFor(consoleUser.userPoolId, consoleUser.endpoint);
        try {
          return await consoleIdToken(cognito, consoleUser);
        } finally {
          cognito.destroy();
        }
      },
    );
    await step('console: a page with the ID token', () => checkConsolePage(base, idToken));
  }

  type Started = { status: string; draftId: string; issueId?: string; message?: string };
  /** An operator call (POST /reports, /operator/api/…): the token or SigV4. */
  const operator = async (
    path: string,
    body: string | undefined,
    expect: number[],
  ): Promise<Response> => {
    const url = at(path);
    const method = body === undefined ? 'GET' : 'POST';
    const headers: Record<string, string> = opts.iam
      ? await signedHeaders(url, body, regionOf(url, opts.region), { method })
      : body === undefined
        ? {}
        : { 'content-type': 'application/json' };
    if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
    return fetchOk(url, { method, headers, ...(body === undefined ? {} : { body }) }, expect);
  };
  const request = async (body: string): Promise<Started> =>
    (await (await operator('/reports', body, [202])).json()) as Started;
  const waitForRun = async (body: string, first: Started): Promise<Started> => {
    const deadline = Date.now() + (opts.timeoutSeconds ?? 600) * 1000;
    let current = first;
    for (let delay = 500; ; delay = Math.min(delay * 2, 10_000)) {
      if (['released', 'unchanged', 'drafted'].includes(current.status)) return current;
      if (!['queued', 'running'].includes(current.status))
        throw new Error(`the run ended ${current.status}: ${current.message ?? ''}`);
      if (Date.now() > deadline)
        throw new Error(`still ${current.status} after ${opts.timeoutSeconds ?? 600} s`);
      await new Promise((r) => setTimeout(r, delay));
      current = await request(body);
    }
  };
  const body = JSON.stringify({ kind, ...params, requestId: `smoke-${Date.now()}` });
  const started = await step('request a report', () => request(body));

  // The same request again answers how its run ended (it is never run twice).
  const ended = await step(`wait for its run (draft ${started.draftId})`, () =>
    waitForRun(body, started),
  );
  if (ended.status === 'drafted')
    log(
      `  draft ${ended.draftId} awaits review (its series needs it); checking the latest release`,
    );

  const issue = await step('the released issue', async () => {
    const path = ended.issueId
      ? `/bulletins/${encodeURIComponent(ended.issueId)}`
      : `/bulletins/latest?series=${series}`;
    const current = (await (await fetchOk(at(path))).json()) as IssueJson;
    if (current.status !== 'published') throw new Error(`issue ${current.id} is ${current.status}`);
    return current;
  });

  await step('list it', async () => {
    const res = await fetchOk(at(`/bulletins?series=${series}&limit=20`));
    const list = (await res.json()) as { items: { id: string }[] };
    if (!list.items.some((i) => i.id === issue.id))
      throw new Error(`${issue.id} is not among the latest 20 of GET /bulletins`);
  });

  const pdf = await step('download and check the PDF', async () => {
    const res = await fetchOk(at(`/bulletins/${encodeURIComponent(issue.id)}/download`));
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (Buffer.from(bytes.subarray(0, 5)).toString('latin1') !== '%PDF-')
      throw new Error('the download is not a PDF');
    if (issue.bytes !== undefined && bytes.byteLength !== issue.bytes)
      throw new Error(`${bytes.byteLength} bytes, the catalog says ${issue.bytes}`);
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (issue.sha256 && sha !== issue.sha256)
      throw new Error(`sha256 ${sha} differs from the catalog's ${issue.sha256}`);
    const doc = await PDFDocument.load(bytes, { updateMetadata: false });
    const pages = doc.getPageCount();
    if (pages < 1 || (issue.pages !== undefined && pages !== issue.pages))
      throw new Error(`${pages} pages, the catalog says ${issue.pages}`);
    const fonts = pdfFontsOf(doc);
    const bad = fonts.filter((f) => !f.embedded || f.type === 'Type3');
    if (bad.length)
      throw new Error(`fonts not embedded or Type 3: ${bad.map((f) => f.name).join(', ')}`);
    if (!fonts.some((f) => /Noto(Serif|Sans)SC/.test(f.name)))
      throw new Error(`no CJK font (Noto Serif/Sans SC) among ${fonts.map((f) => f.name)}`);
    return { pages, bytes: bytes.byteLength, fonts: fonts.map((f) => f.name) };
  });

  // Made on its first request: on AWS the API invokes the cover function (IssueCover).
  await step('its cover (page 1, made on the first request)', async () => {
    const res = await fetchOk(at(`/bulletins/${encodeURIComponent(issue.id)}/cover`));
    const png = Buffer.from(await res.arrayBuffer());
    if (res.headers.get('content-type') !== 'image/png' || png.subarray(1, 4).toString() !== 'PNG')
      throw new Error(`the cover is not a PNG (${res.headers.get('content-type')})`);
    if (png.byteLength < 8_000) throw new Error(`the cover is ${png.byteLength} bytes: blank?`);
  });

  await step('feed lists it', async () => {
    const res = await fetchOk(at(`/feeds/${series}.atom`));
    const xml = await res.text();
    if (!xml.includes('<feed') || !xml.includes(issue.id))
      throw new Error(`the Atom feed of ${series} does not name ${issue.id}`);
  });

  const embargo = opts.embargoSeconds ?? 60;
  if (embargo > 0) {
    type DraftJson = { id: string; status: string; issueId?: string; releaseAt?: string };
    const draftOf = async (id: string) =>
      (await (
        await operator(`/operator/api/drafts/${encodeURIComponent(id)}`, undefined, [200])
      ).json()) as DraftJson;
    const draft = await step('embargo: a bulletin draft', async () => {
      const b = JSON.stringify({
        kind: 'torch-bulletin',
        requestId: `smoke-embargo-${Date.now()}`,
      });
      const run = await waitForRun(b, await request(b));
      const d = await draftOf(run.draftId).catch(() => undefined);
      if (!d || !['draft', 'scheduled'].includes(d.status))
        throw new Error(
          `no open bulletin draft to embargo (the run ended ${run.status}: ${run.message ?? ''}); ` +
            'its inputs are unchanged since the latest issue — load new data or skip with --no-embargo',
        );
      return d;
    });
    // A release time is whole seconds (EventBridge Scheduler's at() has no fractions).
    const releaseAt = new Date((Math.floor(Date.now() / 1000) + embargo) * 1000);
    await step(`embargo: schedule the release at ${releaseAt.toISOString()}`, async () => {
      await operator(
        `/operator/api/drafts/${encodeURIComponent(draft.id)}/release`,
        JSON.stringify({ at: releaseAt.toISOString(), by: 'smoke test' }),
        [202],
      );
      const d = await draftOf(draft.id);
      if (d.status !== 'scheduled' || d.issueId)
        throw new Error(`draft ${d.id} is ${d.status}${d.issueId ? ` (issue ${d.issueId})` : ''}`);
    });
    const released = await step('embargo: released at its second, not before', async () => {
      const deadline = releaseAt.getTime() + (opts.timeoutSeconds ?? 600) * 1000;
      for (;;) {
        const d = await draftOf(draft.id);
        if (d.status === 'published' && d.issueId) {
          if (Date.now() < releaseAt.getTime())
            throw new Error(`${d.issueId} was released before ${releaseAt.toISOString()}`);
          return d.issueId;
        }
        if (!['scheduled', 'releasing'].includes(d.status))
          throw new Error(`draft ${d.id} is ${d.status}, not released`);
        if (Date.now() > deadline)
          throw new Error(`draft ${d.id} still ${d.status} long after ${releaseAt.toISOString()}`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    });
    await step('embargo: the issue is public, in the feed', async () => {
      const i = (await (
        await fetchOk(at(`/bulletins/${encodeURIComponent(released)}`))
      ).json()) as IssueJson & { publishedAt?: string };
      if (i.status !== 'published') throw new Error(`${i.id} is ${i.status}`);
      if (i.publishedAt && Date.parse(i.publishedAt) < releaseAt.getTime())
        throw new Error(`${i.id} published at ${i.publishedAt}, before the embargo`);
      const xml = await (await fetchOk(at('/feeds/torch-bulletin.atom'))).text();
      if (!xml.includes(released)) throw new Error(`the feed does not name ${released}`);
    });
  }

  if (opts.stateMachineArn) {
    const arn = opts.stateMachineArn;
    const zones = opts.zones ?? SMOKE_ZONES;
    await step(`all-zones state machine on ${zones.length} zones`, async () => {
      const region = opts.region ?? arn.split(':')[3]!;
      const endpoint = new URL(
        `https://states.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}/`,
      );
      const call = async (action: string, input: object) => {
        const b = JSON.stringify(input);
        const headers = await signedHeaders(endpoint, b, region, {
          service: 'states',
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': `AWSStepFunctions.${action}`,
          },
        });
        const res = await fetchOk(endpoint, { method: 'POST', headers, body: b });
        return (await res.json()) as Record<string, unknown>;
      };
      const { executionArn } = (await call('StartExecution', {
        stateMachineArn: arn,
        name: `smoke-${Date.now()}`,
        input: JSON.stringify({ zones }),
      })) as { executionArn: string };
      const deadline = Date.now() + (opts.timeoutSeconds ?? 600) * 1000;
      for (;;) {
        const e = (await call('DescribeExecution', { executionArn })) as {
          status: string;
          output?: string;
          error?: string;
          cause?: string;
        };
        if (e.status === 'SUCCEEDED') {
          // The summary: { total, rendered, skipped, failed, failures: [{ zone, error }] }.
          const out = JSON.parse(e.output ?? '{}') as {
            total?: number;
            failed?: number;
            failures?: { zone: string; error: string }[];
          };
          if (out.failed)
            throw new Error(
              `${out.failed} zone(s) failed: ${(out.failures ?? []).map((f) => `${f.zone} (${f.error})`).join(', ')}`,
            );
          if (out.total !== zones.length)
            throw new Error(`the run covered ${out.total ?? 0} zones, not ${zones.length}`);
          log(`  ${executionArn}: ${e.output?.slice(0, 300)}`);
          return;
        }
        if (e.status !== 'RUNNING')
          throw new Error(`${executionArn} ${e.status}: ${e.error ?? ''} ${e.cause ?? ''}`);
        if (Date.now() > deadline) throw new Error(`${executionArn} still running`);
        await new Promise((r) => setTimeout(r, 5000));
      }
    });
  }

  if (opts.alarmTest) {
    await step('alarm reaches SNS', async () => {
      const cw = new CloudWatchClient(opts.region ? { region: opts.region } : {});
      const prefix = opts.stackName ?? 'TorchBulletin';
      const alarms = await cw.send(
        new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, MaxRecords: 1 }),
      );
      const alarm = alarms.MetricAlarms?.[0];
      if (!alarm?.AlarmName) throw new Error(`no alarm named ${prefix}…`);
      const since = new Date();
      await cw.send(
        new SetAlarmStateCommand({
          AlarmName: alarm.AlarmName,
          StateValue: 'ALARM',
          StateReason: 'smoke test: checking that alarm notifications are delivered',
        }),
      );
      try {
        for (let i = 0; i < 30; i++) {
          await new Promise((r) => setTimeout(r, 2000));
          const history = await cw.send(
            new DescribeAlarmHistoryCommand({
              AlarmName: alarm.AlarmName,
              HistoryItemType: 'Action',
              StartDate: since,
            }),
          );
          const items = history.AlarmHistoryItems ?? [];
          if (items.some((h) => /Successfully executed action/i.test(h.HistorySummary ?? '')))
            return;
          const failed = items.find((h) => /Failed/i.test(h.HistorySummary ?? ''));
          if (failed) throw new Error(`${alarm.AlarmName}: ${failed.HistorySummary}`);
        }
        throw new Error(`${alarm.AlarmName}: no SNS action in the alarm history after 60 s`);
      } finally {
        await cw.send(
          new SetAlarmStateCommand({
            AlarmName: alarm.AlarmName,
            StateValue: 'OK',
            StateReason: 'smoke test done',
          }),
        );
      }
    });
  }

  return {
    issueId: issue.id,
    outcome: ended.status,
    ...(ended.status === 'drafted' ? { draftId: ended.draftId } : {}),
    ...pdf,
    steps,
  };
}

/**
 * The console test user from the options and the environment: none when no user is named; an
 * error message when one is named without everything it needs.
 */
export function smokeUserOf(
  userPoolId: string | undefined,
  clientId: string | undefined,
  env: NodeJS.ProcessEnv,
): ConsoleSmokeUser | undefined | string {
  const username = env['BULLETIN_SMOKE_USER'];
  if (!username) return undefined;
  const missing = [
    ['--user-pool-id', userPoolId],
    ['--smoke-client-id', clientId],
    ['BULLETIN_SMOKE_PASSWORD', env['BULLETIN_SMOKE_PASSWORD']],
    ['BULLETIN_SMOKE_TOTP_SECRET', env['BULLETIN_SMOKE_TOTP_SECRET']],
  ]
    .filter(([, v]) => !v)
    .map(([k]) => k);
  if (missing.length)
    return `BULLETIN_SMOKE_USER is set: the console sign-in also needs ${missing.join(', ')}`;
  return {
    userPoolId: userPoolId!,
    clientId: clientId!,
    username,
    password: env['BULLETIN_SMOKE_PASSWORD']!,
    totpSecret: env['BULLETIN_SMOKE_TOTP_SECRET']!,
  };
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'base-url': { type: 'string' },
      token: { type: 'string' },
      iam: { type: 'boolean', default: false },
      region: { type: 'string' },
      series: { type: 'string' },
      kind: { type: 'string' },
      param: { type: 'string', multiple: true },
      timeout: { type: 'string', default: '600' },
      'alarm-test': { type: 'boolean', default: false },
      'stack-name': { type: 'string' },
      embargo: { type: 'string', default: '60' },
      'no-embargo': { type: 'boolean', default: false },
      'state-machine-arn': { type: 'string' },
      zones: { type: 'string' },
      'user-pool-id': { type: 'string' },
      'smoke-client-id': { type: 'string' },
    },
  });
  const consoleUser = smokeUserOf(values['user-pool-id'], values['smoke-client-id'], process.env);
  if (typeof consoleUser === 'string') {
    console.error(consoleUser);
    return 2;
  }
  const baseUrl = values['base-url'];
  if (!baseUrl) {
    console.error(
      'usage: npm run smoke -- --base-url URL [--token T | --iam] [--region R] [--series S]\n' +
        '                        [--kind K [--param zone=ID | --param region=NAME …]]\n' +
        '                        [--timeout SECONDS] [--embargo SECONDS | --no-embargo]\n' +
        '                        [--state-machine-arn ARN [--zones a,b,c]] [--alarm-test [--stack-name N]]\n' +
        '                        [--user-pool-id ID --smoke-client-id ID]  (with BULLETIN_SMOKE_USER,\n' +
        '                         BULLETIN_SMOKE_PASSWORD, BULLETIN_SMOKE_TOTP_SECRET: the console sign-in)',
    );
    return 2;
  }
  if (values.token && values.iam) {
    console.error('--token and --iam exclude each other');
    return 2;
  }
  const params: Record<string, string> = {};
  for (const p of values.param ?? []) {
    const [key, ...rest] = p.split('=');
    if (!key || !rest.length) {
      console.error(`--param ${p}: expected key=value (e.g. --param zone=wuhan-donghu)`);
      return 2;
    }
    params[key] = rest.join('=');
  }
  try {
    const r = await runSmoke({
      ...(Object.keys(params).length ? { params } : {}),
      baseUrl,
      ...(values.token ? { token: values.token } : {}),
      iam: values.iam,
      ...(values.region ? { region: values.region } : {}),
      ...(values.series ? { series: values.series } : {}),
      ...(values.kind ? { kind: values.kind } : {}),
      timeoutSeconds: Number(values.timeout),
      alarmTest: values['alarm-test'],
      ...(values['stack-name'] ? { stackName: values['stack-name'] } : {}),
      embargoSeconds: values['no-embargo'] ? 0 : Number(values.embargo),
      ...(values['state-machine-arn'] ? { stateMachineArn: values['state-machine-arn'] } : {}),
      ...(values.zones ? { zones: values.zones.split(',').map((z) => z.trim()) } : {}),
      ...(consoleUser ? { console: consoleUser } : {}),
    });
    console.log(
      `smoke passed: ${r.issueId} (${r.outcome}${r.draftId ? `; draft ${r.draftId} awaits review` : ''}), ${r.pages} pages, ${r.bytes} bytes, fonts ${r.fonts.join(', ')}`,
    );
    return 0;
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
