/**
 * The report queue in tests: a small SQS-compatible endpoint for SendMessage (AWS JSON 1.0, the
 * SDK's protocol) that keeps each message body sent (no local SQS server is installed).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An SQS-compatible endpoint for SendMessage (AWS JSON 1.0), keeping what was sent. */
export async function startReportQueue(): Promise<{ url: string; sent: string[]; server: Server }> {
  const sent: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target !== 'AmazonSQS.SendMessage') {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'InvalidAction', message: target }));
        return;
      }
      const { MessageBody } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        MessageBody: string;
      };
      sent.push(MessageBody);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(
        JSON.stringify({
          MessageId: randomUUID(),
          MD5OfMessageBody: createHash('md5').update(MessageBody).digest('hex'),
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, sent, server };
}
