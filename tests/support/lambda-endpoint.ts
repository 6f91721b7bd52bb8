/**
 * A small AWS Lambda on loopback: the Invoke operation of the Lambda REST API
 * (`POST /2015-03-31/functions/{name}/invocations`), so that the real `LambdaClient`, pointed at
 * it with an endpoint override, is tested end to end — request signing and serialization, the
 * `X-Amz-Function-Error` of a function that threw, the payload parsed. There is no Lambda
 * emulator to run instead. Each function name maps to a handler run in this process, as Lambda
 * runs it: the event is the payload parsed as JSON; a thrown error answers 200 with
 * `X-Amz-Function-Error: Unhandled` and `{ errorType, errorMessage }` (the Node runtime's shape);
 * an unknown name answers 404 ResourceNotFoundException.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type InvokedHandler = (event: unknown) => Promise<unknown>;

export interface LambdaEndpoint {
  url: string;
  /** Every invocation: the function name and its payload, in order. */
  calls: { name: string; payload: unknown; invocationType: string }[];
  close(): Promise<void>;
}

export async function startLambdaEndpoint(
  functions: Record<string, InvokedHandler>,
): Promise<LambdaEndpoint> {
  const calls: LambdaEndpoint['calls'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const m = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(req.url ?? '');
      const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || !m)
        return answer(
          404,
          { message: req.url },
          { 'x-amzn-errortype': 'UnknownOperationException' },
        );
      if (!req.headers.authorization?.startsWith('AWS4-HMAC-SHA256 '))
        return answer(
          403,
          { message: 'unsigned' },
          { 'x-amzn-errortype': 'AccessDeniedException' },
        );
      const name = decodeURIComponent(m[1]!);
      const handler = functions[name];
      if (!handler)
        return answer(
          404,
          { Type: 'User', message: `Function not found: ${name}` },
          { 'x-amzn-errortype': 'ResourceNotFoundException' },
        );
      const raw = Buffer.concat(chunks).toString('utf8');
      const payload: unknown = raw ? JSON.parse(raw) : {};
      const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
      calls.push({ name, payload, invocationType });
      handler(payload).then(
        (out) => answer(200, out ?? null, { 'x-amz-executed-version': '$LATEST' }),
        (err: unknown) =>
          answer(
            200,
            {
              errorType: err instanceof Error ? err.name : 'Error',
              errorMessage: err instanceof Error ? err.message : String(err),
            },
            { 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': '$LATEST' },
          ),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
