/**
 * A loopback proxy in front of one embedded store (dynalite or s3rver, both in this process):
 * every request must carry a valid SigV4 signature made with the stack's own random
 * credentials, or it is refused before the store sees it. A verified request is handed to the
 * store's own request handler with its body, already read; the AWS SDK talks to the proxy
 * unchanged through `AWS_ENDPOINT_URL_*`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { verifySigV4, type Credentials } from './sigv4.ts';

/** A store's HTTP request handler (dynalite's, s3rver's Koa `callback()`). */
export type StoreHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The verified request's body as one buffer, on the request handed to the store (also
 * readable as a stream): a store that can take it whole need not stream it again.
 */
export const VERIFIED_BODY = Symbol('verified body');

export interface StoreProxyOptions {
  service: 'dynamodb' | 's3';
  region: string;
  credentials: Credentials;
  /** What s3rver accepts as an access key (it checks the key, not the signature). */
  upstreamAccessKeyId?: string;
  /** One line per refused request (no secrets in it). */
  log(line: string): void;
  /** Largest request body accepted (bytes). */
  maxBodyBytes?: number;
  /**
   * The store's own request handler, in this process: a verified request is handed to it with
   * its body, and it answers on this response — not sent again over a Unix socket, where the
   * store parsed it as HTTP a second time (`npm run bench:profile`: that second hop was ≈ 10 %
   * of the stores' process's CPU for dynalite). `startUpstream`, when given, resolves to it.
   */
  handle?: StoreHandler;
  /**
   * Starts the store on the first request that needs it (the host loads s3rver only when S3
   * is used) and resolves to its handler: requests wait for it; a rejection refuses them
   * with 503.
   */
  startUpstream?: () => Promise<StoreHandler>;
}

/** The largest DynamoDB request is 16 MB; archived PDFs stay far below 64 MB. */
const DEFAULT_MAX_BODY = 64 * 1024 * 1024;

function refusal(
  service: StoreProxyOptions['service'],
  status: number,
  code: string,
  message: string,
): { status: number; type: string; body: string } {
  if (service === 's3') {
    const esc = (s: string) => s.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`);
    return {
      status,
      type: 'application/xml',
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${esc(code)}</Code><Message>${esc(message)}</Message></Error>`,
    };
  }
  // DynamoDB answers authentication failures with 400 and a coral exception type.
  const type =
    code === 'SignatureDoesNotMatch'
      ? 'InvalidSignatureException'
      : code === 'InvalidAccessKeyId'
        ? 'UnrecognizedClientException'
        : 'MissingAuthenticationTokenException';
  return {
    status: 400,
    type: 'application/x-amz-json-1.0',
    body: JSON.stringify({ __type: `com.amazon.coral.service#${type}`, message }),
  };
}

export function createStoreProxy(opts: StoreProxyOptions): Server {
  const max = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    const pathOnly = (req.url ?? '/').split('?')[0]!.slice(0, 200);
    const refuse = (status: number, code: string, message: string) => {
      opts.log(`已拒绝 ${req.method} ${opts.service} ${pathOnly}：${code}（${message}）`);
      const r = refusal(opts.service, status, code, message);
      res.writeHead(r.status, {
        'content-type': r.type,
        'content-length': Buffer.byteLength(r.body),
      });
      res.end(req.method === 'HEAD' ? undefined : r.body);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (tooLarge) {
        refuse(413, 'EntityTooLarge', `请求体超过 ${max} 字节`);
        return;
      }
      const body = Buffer.concat(chunks);
      void verifySigV4(
        { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body },
        opts.credentials,
        { service: opts.service, region: opts.region },
      )
        .then((verdict) => {
          if (!verdict.ok) {
            refuse(verdict.status, verdict.code, verdict.message);
            return;
          }
          if (opts.handle) forward(opts.handle, body);
          else if (opts.startUpstream)
            opts.startUpstream().then(
              (handle) => forward(handle, body),
              (err: unknown) =>
                refuse(503, 'ServiceUnavailable', `存储未启动：${String(err).slice(0, 200)}`),
            );
          else refuse(503, 'ServiceUnavailable', '存储未配置');
        })
        .catch((err: unknown) => refuse(400, 'InvalidRequest', String(err).slice(0, 200)));
    });

    function forward(handle: StoreHandler, body: Buffer) {
      const upstreamKey = opts.upstreamAccessKeyId;
      let url = req.url ?? '/';
      if (upstreamKey) {
        // Verified above: the key is ours. s3rver only knows its own.
        const ours = opts.credentials.accessKeyId;
        const auth = req.headers.authorization;
        if (auth)
          req.headers.authorization = auth.replace(
            `Credential=${ours}/`,
            `Credential=${upstreamKey}/`,
          );
        url = url.replace(`X-Amz-Credential=${ours}`, `X-Amz-Credential=${upstreamKey}`);
      }
      // The request as the store reads it: its method, address, headers, then its body.
      const verified = Object.assign(Readable.from(body.byteLength ? [body] : []), {
        method: req.method,
        url,
        headers: req.headers,
        httpVersion: req.httpVersion,
        httpVersionMajor: req.httpVersionMajor,
        httpVersionMinor: req.httpVersionMinor,
        socket: req.socket,
        [VERIFIED_BODY]: body,
      }) as unknown as IncomingMessage;
      handle(verified, res);
    }
  });
}
