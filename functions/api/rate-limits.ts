/**
 * Request limits of the public API, in memory: subscription requests per client and per address,
 * login attempts per client. Answered 429 with `Retry-After`. A fixed window per key, a few lines
 * (rate-limiter-flexible does this and more; not added in the last hours of a shared session,
 * whose worktrees share main's node_modules).
 *
 * In memory: the counts live in the process (the local server; on AWS each warm instance of the
 * API function), which bounds what one client can make one process send. It is not a global
 * quota across instances: API Gateway's stage throttling stays the outer bound there.
 */
import type { Context } from 'hono';

/** `points` requests per `seconds`. */
export interface Limit {
  points: number;
  seconds: number;
}

export interface RequestLimits {
  /** Subscription requests from one client (its address as the API sees it). */
  subscribePerClient: Limit;
  /** Subscription requests for one e-mail address, from anywhere. */
  subscribePerAddress: Limit;
  /** Login attempts from one client (`/operator/login`), successful or not. */
  loginPerClient: Limit;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimits = {
  subscribePerClient: { points: 10, seconds: 600 },
  subscribePerAddress: { points: 3, seconds: 3600 },
  loginPerClient: { points: 10, seconds: 900 },
};

/** A limiter per kind of request; `take` answers how long to wait (s) when over the limit. */
export interface RateLimits {
  take(kind: keyof RequestLimits, key: string): Promise<{ retryAfter?: number }>;
}

export function createRateLimits(
  limits: RequestLimits = DEFAULT_REQUEST_LIMITS,
  now: () => number = Date.now,
): RateLimits {
  /** Per kind and key: requests counted in the window that ends at `until`. */
  const windows = new Map<string, { count: number; until: number }>();
  return {
    async take(kind, key) {
      const limit = limits[kind];
      const t = now();
      const id = `${kind}\u0000${key}`;
      let w = windows.get(id);
      if (!w || w.until <= t) {
        // Forget windows that have ended (bounded by the keys of one window).
        if (windows.size > 10_000)
          for (const [k, v] of windows) if (v.until <= t) windows.delete(k);
        w = { count: 0, until: t + limit.seconds * 1000 };
        windows.set(id, w);
      }
      if (w.count >= limit.points)
        return { retryAfter: Math.max(1, Math.ceil((w.until - t) / 1000)) };
      w.count += 1;
      return {};
    },
  };
}

/**
 * The client of a request as the API sees it: API Gateway's source IP on AWS (set by the
 * gateway, not by a header the client sends), the socket's peer address locally.
 */
export function clientOf(c: Context): string {
  const env = c.env as
    | {
        requestContext?: { http?: { sourceIp?: string }; identity?: { sourceIp?: string } };
        incoming?: { socket?: { remoteAddress?: string } };
      }
    | undefined;
  return (
    env?.requestContext?.http?.sourceIp ??
    env?.requestContext?.identity?.sourceIp ??
    env?.incoming?.socket?.remoteAddress ??
    'unknown'
  );
}
