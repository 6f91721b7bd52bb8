/**
 * Verifies AWS Signature Version 4 on requests to the embedded stores: the signature is
 * recomputed with the stack's own credentials by the AWS SDK's signer (@smithy/signature-v4)
 * and compared in constant time. Both forms are checked: the `Authorization` header (every SDK
 * call) and the query string (presigned URLs, with their expiry).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest, QueryParameterBag } from '@smithy/types';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface IncomingSigned {
  method: string;
  /** The raw request target as received: path and query string, still percent-encoded. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
}

export type Verdict =
  { ok: true } | { ok: false; status: 400 | 403; code: string; message: string };

/** How far a header-signed request's `X-Amz-Date` may be from now (AWS: 15 minutes). */
const MAX_SKEW_MS = 15 * 60_000;
const AUTH_QUERY = new Set([
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-signedheaders',
  'x-amz-signature',
  'x-amz-security-token',
]);

const deny = (code: string, message: string, status: 400 | 403 = 403): Verdict => ({
  ok: false,
  status,
  code,
  message,
});

/** `20260101T000000Z` → Date, or undefined when malformed. */
function parseAmzDate(value: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** The query string split into decoded names and values, as the signer canonicalises them. */
function parseQuery(raw: string): QueryParameterBag {
  const query: QueryParameterBag = {};
  if (!raw) return query;
  for (const part of raw.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
    const prev = query[name];
    query[name] = prev === undefined || prev === null ? value : [prev, value].flat();
  }
  return query;
}

function header(headers: IncomingSigned['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * One signer per credentials, region and service: a signer keeps the signing key it derived
 * for a day (four HMACs), which a new signer for each request derived again every time.
 */
const signers = new Map<string, SignatureV4>();
/** The signer's (private) derivation of its signing key, which it calls for each request. */
interface SigningKeyOf {
  getSigningKey(
    credentials: Credentials,
    region: string,
    shortDate: string,
    service?: string,
  ): Promise<Uint8Array>;
}
function signerFor(
  credentials: Credentials,
  region: string,
  service: 'dynamodb' | 's3',
): SignatureV4 {
  const key = JSON.stringify([
    credentials.accessKeyId,
    credentials.secretAccessKey,
    region,
    service,
  ]);
  let signer = signers.get(key);
  if (!signer) {
    if (signers.size >= 16) signers.clear();
    const kept = {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
    };
    signer = new SignatureV4({
      credentials: kept,
      region,
      service,
      sha256: Hash.bind(null, 'sha256'),
      // S3 signs the path as sent; other services sign its normalised, escaped form.
      uriEscapePath: service !== 's3',
      applyChecksum: false,
    });
    // Its signing key for a day, region and service derived once: @smithy keeps the key in
    // a cache of its own but computes an HMAC of the credentials to look it up, each request.
    const hook = signer as unknown as SigningKeyOf;
    const derive = hook.getSigningKey.bind(signer);
    const keys = new Map<string, Promise<Uint8Array>>();
    hook.getSigningKey = (creds, keyRegion, shortDate, keyService) => {
      const name = `${shortDate}/${keyRegion}/${keyService ?? ''}`;
      let signingKey = keys.get(name);
      if (!signingKey || creds !== kept) {
        if (keys.size >= 8) keys.clear();
        signingKey = derive(creds, keyRegion, shortDate, keyService);
        if (creds === kept) {
          keys.set(name, signingKey);
          signingKey.catch(() => keys.delete(name));
        }
      }
      return signingKey;
    };
    signers.set(key, signer);
  }
  return signer;
}

/**
 * Checks the request's signature against `credentials` for `service` (`dynamodb` or `s3`).
 * `now` is injectable for tests.
 */
export async function verifySigV4(
  req: IncomingSigned,
  credentials: Credentials,
  opts: { service: 'dynamodb' | 's3'; region: string; now?: Date },
): Promise<Verdict> {
  const now = opts.now ?? new Date();
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  let query: QueryParameterBag;
  try {
    query = parseQuery(q < 0 ? '' : req.url.slice(q + 1));
  } catch {
    return deny('InvalidArgument', '查询字符串 (query string) 格式有误', 400);
  }
  const queryValue = (name: string) => {
    const key = Object.keys(query).find((k) => k.toLowerCase() === name);
    const v = key === undefined ? undefined : query[key];
    return Array.isArray(v) ? v[0] : (v ?? undefined);
  };
  const authorization = header(req.headers, 'authorization');
  const presigned = queryValue('x-amz-algorithm') !== undefined;
  if (!authorization && !presigned)
    return deny('AccessDenied', '拒绝匿名请求：请用本地存储的凭据签名 (SigV4)');
  if (authorization && presigned) return deny('InvalidArgument', '只允许一种认证方式', 400);

  let accessKeyId: string;
  let scope: string[];
  let signedHeaders: string[];
  let signature: string;
  let date: Date | undefined;
  let expiresIn = 0;
  if (authorization) {
    const m =
      /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(
        authorization.trim(),
      );
    if (!m) return deny('AccessDenied', 'Authorization 请求头不受支持或格式有误');
    accessKeyId = m[1]!;
    scope = m[2]!.split('/');
    signedHeaders = m[3]!.split(';');
    signature = m[4]!;
    date = parseAmzDate(header(req.headers, 'x-amz-date'));
    if (!date) return deny('AccessDenied', '缺少 X-Amz-Date 或其格式有误');
    if (Math.abs(now.getTime() - date.getTime()) > MAX_SKEW_MS)
      return deny('RequestTimeTooSkewed', '请求时间与服务器时间相差过大');
  } else {
    if (queryValue('x-amz-algorithm') !== 'AWS4-HMAC-SHA256')
      return deny('AccessDenied', '不支持此 X-Amz-Algorithm');
    const credential = queryValue('x-amz-credential') ?? '';
    const slash = credential.indexOf('/');
    accessKeyId = credential.slice(0, Math.max(slash, 0));
    scope = credential.slice(slash + 1).split('/');
    signedHeaders = (queryValue('x-amz-signedheaders') ?? '').split(';');
    signature = queryValue('x-amz-signature') ?? '';
    date = parseAmzDate(queryValue('x-amz-date'));
    expiresIn = Number(queryValue('x-amz-expires'));
    if (!date || !Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > 604_800)
      return deny('AccessDenied', '预签名地址 (presigned URL) 格式有误');
    if (now.getTime() > date.getTime() + expiresIn * 1000)
      return deny('AccessDenied', '请求已过期 (expired)');
    if (date.getTime() - now.getTime() > MAX_SKEW_MS)
      return deny('AccessDenied', '预签名地址 (presigned URL) 的时间在将来');
  }
  if (!same(accessKeyId, credentials.accessKeyId))
    return deny('InvalidAccessKeyId', '访问密钥 (access key) 不属于这一本地存储');
  const [day, region, service, terminator] = scope;
  if (
    scope.length !== 4 ||
    terminator !== 'aws4_request' ||
    service !== opts.service ||
    region !== opts.region ||
    day !== date.toISOString().slice(0, 10).replace(/-/g, '')
  )
    return deny('AccessDenied', '凭据范围 (credential scope) 与此存储不符');
  if (!signedHeaders.includes('host')) return deny('AccessDenied', 'host 请求头未签名');

  // Rebuild the request the client signed: exactly its signed headers.
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = header(req.headers, name);
    if (value === undefined) return deny('AccessDenied', `缺少已签名的请求头 ${name}`);
    headers[name] = value;
  }
  // A declared payload hash must be the hash of the body received.
  const declared = header(req.headers, 'x-amz-content-sha256');
  if (declared && /^[0-9a-f]{64}$/.test(declared)) {
    if (createHash('sha256').update(req.body).digest('hex') !== declared)
      return deny('XAmzContentSHA256Mismatch', '请求体与 x-amz-content-sha256 不符', 400);
  } else if (declared && declared !== 'UNSIGNED-PAYLOAD') {
    return deny('AccessDenied', '不支持此 x-amz-content-sha256（拒绝流式上传）');
  }

  const signer = signerFor(credentials, opts.region, opts.service);
  const base: HttpRequest = {
    method: req.method,
    protocol: 'http:',
    hostname: '127.0.0.1',
    path,
    query,
    headers,
    body: req.body.byteLength ? req.body : undefined,
  };
  let expected: string | undefined;
  if (authorization) {
    if (declared && !headers['x-amz-content-sha256']) headers['x-amz-content-sha256'] = declared;
    const signed = await signer.sign(base, {
      signingDate: date,
      signableHeaders: new Set(signedHeaders),
      unsignableHeaders: new Set(
        declared && !signedHeaders.includes('x-amz-content-sha256') ? ['x-amz-content-sha256'] : [],
      ),
    });
    expected = /Signature=([0-9a-f]{64})$/.exec(String(signed.headers.authorization))?.[1];
  } else {
    // Presigned: the payload is unsigned; the auth parameters are set again by the signer.
    const rest: QueryParameterBag = {};
    for (const [name, value] of Object.entries(query)) {
      if (AUTH_QUERY.has(name.toLowerCase())) continue;
      rest[name] = value;
    }
    const presigned = await signer.presign(
      {
        ...base,
        query: rest,
        headers: { ...headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
        body: undefined,
      },
      {
        signingDate: date,
        expiresIn,
        signableHeaders: new Set(signedHeaders),
        unsignableHeaders: new Set(['x-amz-content-sha256']),
        unhoistableHeaders: new Set(['x-amz-content-sha256']),
      },
    );
    expected = String(presigned.query?.['X-Amz-Signature'] ?? '');
  }
  return expected && same(expected, signature)
    ? { ok: true }
    : deny('SignatureDoesNotMatch', '请求签名与本地存储的凭据不符');
}
