/**
 * API Gateway's side of the API Lambda in tests: the HTTP API's request event (payload format
 * 2.0) as it reaches the function — cookies in `cookies`, the rest in `headers` — and a loopback
 * HTTP server that hands each request to the handler as that event, as API Gateway does.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

const ACCOUNT = '123456789012';

/** An HTTP API (payload 2.0) request, cookies where API Gateway puts them. */
export function httpEvent(
  method: string,
  path: string,
  opts: { cookie?: string; form?: Record<string, string> } = {},
): APIGatewayProxyEventV2 {
  const body = opts.form ? new URLSearchParams(opts.form).toString() : undefined;
  const [rawPath, rawQueryString = ''] = path.split('?');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: rawPath!,
    rawQueryString,
    ...(opts.cookie ? { cookies: [opts.cookie] } : {}),
    headers: {
      host: 'abc123.execute-api.cn-north-1.amazonaws.com.cn',
      'x-forwarded-proto': 'https',
      ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    requestContext: {
      accountId: ACCOUNT,
      apiId: 'abc123',
      domainName: 'abc123.execute-api.cn-north-1.amazonaws.com.cn',
      domainPrefix: 'abc123',
      http: {
        method,
        path: rawPath!,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'test',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: '06/Dec/2026:01:00:00 +0000',
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
    ...(body ? { body } : {}),
  } as APIGatewayProxyEventV2;
}

/** The handler's answer (API Gateway's v2 result shape). */
interface LambdaResult {
  statusCode: number;
  headers?: Record<string, string>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

/** A loopback HTTP API in front of `handler` (GET only: what a browser's first visit sends). */
export async function serveLambda(
  handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const event = httpEvent(req.method ?? 'GET', req.url ?? '/', {
      ...(req.headers.cookie ? { cookie: req.headers.cookie } : {}),
    });
    const context = { awsRequestId: randomUUID(), getRemainingTimeInMillis: () => 29_000 };
    handler(event, context as unknown as Context).then(
      (out) => {
        const r = out as LambdaResult;
        for (const c of r.cookies ?? []) res.appendHeader('set-cookie', c);
        res.writeHead(r.statusCode, r.headers ?? {});
        res.end(
          r.body === undefined
            ? undefined
            : Buffer.from(r.body, r.isBase64Encoded ? 'base64' : 'utf8'),
        );
      },
      (err: unknown) => {
        res.writeHead(500);
        res.end(String(err));
      },
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
