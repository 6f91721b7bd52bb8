/**
 * Tokens of the console's identity provider (a Cognito user pool on AWS): an ID token verified
 * against the provider's JWKS (signature, issuer, audience, expiry, `token_use`), its groups
 * turned into a role. Used by the API function twice: as the HTTP API's authorizer on every
 * console route, and again inside the console (the group decides each action).
 */
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { roleOfGroups, type Role } from '../core/desk.ts';

export interface TokenSettings {
  issuer: string;
  /** The app client id: the ID token's `aud`. */
  clientId: string;
  /** Other app clients whose ID tokens the console accepts too (the smoke test's). */
  otherClientIds?: string[];
  jwksUrl: string;
}

export interface TokenPerson {
  name: string;
  role: Role;
  sub: string;
  /** Epoch seconds. */
  exp: number;
}

export type TokenVerifier = (token: string) => Promise<TokenPerson | undefined>;

/**
 * A verifier with the provider's keys fetched once and cached (re-fetched for an unknown `kid`).
 * Undefined for a token that is malformed, expired, signed by another key or issuer, meant for
 * another client, not an ID token, or whose groups name no role.
 */
export function createTokenVerifier(
  settings: TokenSettings,
  keys?: JWTVerifyGetKey,
): TokenVerifier {
  const jwks = keys ?? createRemoteJWKSet(new URL(settings.jwksUrl));
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: settings.issuer,
        audience: [settings.clientId, ...(settings.otherClientIds ?? [])],
        algorithms: ['RS256'],
      });
      if (payload['token_use'] !== undefined && payload['token_use'] !== 'id') return undefined;
      const groups = payload['cognito:groups'];
      const role = roleOfGroups(Array.isArray(groups) ? groups.map(String) : []);
      if (!role || !payload.sub || !payload.exp) return undefined;
      const name =
        (typeof payload['name'] === 'string' && payload['name']) ||
        (typeof payload['cognito:username'] === 'string' && payload['cognito:username']) ||
        (typeof payload['email'] === 'string' && payload['email']) ||
        payload.sub;
      return { name, role, sub: payload.sub, exp: payload.exp };
    } catch {
      return undefined;
    }
  };
}

/** The value of one cookie in a `Cookie` header (or header list), or undefined. */
export function cookieValue(
  header: string | string[] | undefined,
  name: string,
): string | undefined {
  const all = Array.isArray(header) ? header.join('; ') : (header ?? '');
  for (const part of all.split(/;\s*/)) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq) === name) return part.slice(eq + 1);
  }
  return undefined;
}
