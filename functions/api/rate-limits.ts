/**
 * Request limits of the public API (rate-limiter-flexible, in memory): subscription requests per
 * client and per address, login attempts per client. Answered 429 with `Retry-After`.
 *
 * In memory: the counts live in the process (the local server; on AWS each warm instance of the
 * API function), which bounds what one client can make one process send. It is not a global
 * quota across instances: API Gateway's stage throttling stays the outer bound there.
 */
import type { Context } from 'hono';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

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

export function createRateLimits(limits: RequestLimits = DEFAULT_REQUEST_LIMITS): RateLimits {
  const limiters = Object.fromEntries(
    Object.entries(limits).map(([kind, l]) => [
      kind,
      new RateLimiterMemory({ points: l.points, duration: l.seconds, keyPrefix: kind }),
    ]),
  ) as Record<keyof RequestLimits, RateLimiterMemory>;
  return {
    async take(kind, key) {
      try {
        await limiters[kind].consume(key);
        return {};
      } catch (res) {
        if (!(res instanceof RateLimiterRes)) throw res;
        return { retryAfter: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
      }
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
