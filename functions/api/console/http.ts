/** Small facts about a console request: the caller's address and a safe return path. */
import type { Context } from 'hono';

/**
 * The caller's network address, from the transport (never from a header a client sets): the
 * socket in `bulletin serve`, API Gateway's source IP on AWS. `unknown` when neither is there.
 */
export function addressOf(c: Context): string {
  const env = c.env as
    | {
        incoming?: { socket?: { remoteAddress?: string } };
        event?: { requestContext?: { http?: { sourceIp?: string } } };
      }
    | undefined;
  return (
    env?.incoming?.socket?.remoteAddress ?? env?.event?.requestContext?.http?.sourceIp ?? 'unknown'
  );
}

/** A return path inside the console (never another site), default the drafts page. */
export function safeNext(next: string | undefined): string {
  return next && /^\/console(\/[A-Za-z0-9/_.-]*)?(\?[A-Za-z0-9=&_.-]*)?$/.test(next)
    ? next
    : '/console/drafts';
}
