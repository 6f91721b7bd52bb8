/** The grammar of link tokens (subscription confirm / unsubscribe), checked before any lookup. */

/** True when `token` has the shape of a link token: 32 random bytes, base64url (43 characters). */
export function isTokenShaped(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}
