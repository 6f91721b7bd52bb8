/**
 * The editor's desk as use cases: accounts with scrypt-hashed passwords (`node:crypto`), logins
 * throttled per account and per address, sessions (a random cookie; its sha256 is the key) with
 * a CSRF token, and the record of who did what. The console, the CLI (`bulletin users`) and the
 * wiring call these; the store is the `DeskStore` port.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { ConflictError, ValidationError } from '../errors.ts';
import { ACCOUNT_NAME, ROLE_LABELS, type DeskRecord, type Role } from '../core/desk.ts';
import type { Account, DeskStore, Session } from './ports.ts';

/** scrypt cost: N = 2^15, r = 8, p = 1 (≈ 32 MiB, ≈ 0.1 s on a laptop core). */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keyLength: 32 } as const;
const MAXMEM = 64 * 1024 * 1024;

/** A console session lasts a working day. */
export const SESSION_MS = 8 * 3600_000;

/** Throttling: failed logins counted over this window … */
export const THROTTLE_WINDOW_MS = 60_000;
/** … at most this many per account (the next one is refused without checking the password) … */
export const ACCOUNT_FAILURES_ALLOWED = 5;
/** … and this many per address (one address guessing many accounts). */
export const ADDRESS_FAILURES_ALLOWED = 20;

/** Shortest password accepted. */
export const PASSWORD_MIN = 10;

function scryptAsync(password: string, salt: Buffer, opts: ScryptOptions, len: number) {
  return new Promise<Buffer>((ok, fail) =>
    scrypt(password.normalize('NFC'), salt, len, opts, (err, key) => (err ? fail(err) : ok(key))),
  );
}

/** `scrypt$N$r$p$<salt>$<key>` (base64url), a fresh 16-byte salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, { ...SCRYPT, maxmem: MAXMEM }, SCRYPT.keyLength);
  return [
    'scrypt',
    SCRYPT.N,
    SCRYPT.r,
    SCRYPT.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

/** Whether `password` matches a stored hash (constant time over the key). */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const got = await scryptAsync(
    password,
    Buffer.from(salt, 'base64url'),
    { N: Number(n), r: Number(r), p: Number(p), maxmem: MAXMEM },
    expected.length,
  );
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** A random password for a new account (printed once): 16 characters, base64url. */
export function newPassword(): string {
  return randomBytes(12).toString('base64url');
}

const problem = (field: string, message: string) =>
  new ValidationError('accounts', [{ file: '账号', location: field, field, message }]);

/** Creates an account; refuses a malformed name, a short password or a taken name. */
export async function addAccount(
  store: DeskStore,
  req: { name: string; role: Role; password: string; by: string; now?: Date },
): Promise<Account> {
  if (!ACCOUNT_NAME.test(req.name))
    throw problem('name', '账号名应为 2–32 个字母、汉字、数字或 . _ -');
  if (req.password.length < PASSWORD_MIN)
    throw problem('password', `密码至少 ${PASSWORD_MIN} 个字符`);
  const account: Account = {
    name: req.name,
    role: req.role,
    passwordHash: await hashPassword(req.password),
    createdAt: (req.now ?? new Date()).toISOString(),
    createdBy: req.by,
  };
  if (!(await store.createAccount(account)))
    throw new ConflictError('accounts', `账号 ${req.name} 已存在`);
  return account;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The store key of a session cookie (the cookie itself is never stored). */
export const sessionKey = sha256;

export type LoginOutcome =
  | { ok: true; cookie: string; session: Session }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

/** A hash no account has: a login for an unknown name costs as much as for a known one. */
let decoy: Promise<string> | undefined;

/**
 * Checks a name and password. Refused without checking while the account has had
 * {@link ACCOUNT_FAILURES_ALLOWED} failures, or the address {@link ADDRESS_FAILURES_ALLOWED},
 * in the last minute; a success clears the account's count and opens a session.
 */
export async function login(
  store: DeskStore,
  req: { name: string; password: string; address: string; now?: Date },
): Promise<LoginOutcome> {
  const nowMs = (req.now ?? new Date()).getTime();
  const accountKey = `account:${req.name.trim().toLowerCase().slice(0, 64)}`;
  const addressKey = `address:${req.address}`;
  const [byAccount, byAddress] = await Promise.all([
    store.failures(accountKey, nowMs, THROTTLE_WINDOW_MS),
    store.failures(addressKey, nowMs, THROTTLE_WINDOW_MS),
  ]);
  const wait = (times: number[], allowed: number) =>
    times.length >= allowed ? times[times.length - allowed]! + THROTTLE_WINDOW_MS - nowMs : 0;
  const waitMs = Math.max(
    wait(byAccount, ACCOUNT_FAILURES_ALLOWED),
    wait(byAddress, ADDRESS_FAILURES_ALLOWED),
  );
  if (waitMs > 0)
    return { ok: false, reason: 'throttled', retryAfterSeconds: Math.ceil(waitMs / 1000) };
  const account = await store.getAccount(req.name.trim());
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  const good = await verifyPassword(account?.passwordHash ?? (await decoy), req.password);
  if (!account || !good) {
    await Promise.all([
      store.addFailure(accountKey, nowMs, THROTTLE_WINDOW_MS),
      store.addFailure(addressKey, nowMs, THROTTLE_WINDOW_MS),
    ]);
    return { ok: false, reason: 'invalid' };
  }
  await store.clearFailures(accountKey);
  const cookie = randomBytes(32).toString('base64url');
  const session: Session = {
    account: account.name,
    role: account.role,
    csrf: randomBytes(24).toString('base64url'),
    createdAt: new Date(nowMs).toISOString(),
    expiresAtMs: nowMs + SESSION_MS,
  };
  await store.putSession(sessionKey(cookie), session);
  return { ok: true, cookie, session };
}

/** The session of a cookie value, or undefined. */
export async function sessionOf(
  store: DeskStore,
  cookie: string | undefined,
  now = new Date(),
): Promise<Session | undefined> {
  if (!cookie || !/^[A-Za-z0-9_-]{43}$/.test(cookie)) return undefined;
  return store.getSession(sessionKey(cookie), now.getTime());
}

export async function logout(store: DeskStore, cookie: string | undefined): Promise<void> {
  if (cookie) await store.deleteSession(sessionKey(cookie));
}

/** A line describing an account for people: `王编辑（编辑）`. */
export function accountLine(a: { name: string; role: Role }): string {
  return `${a.name}（${ROLE_LABELS[a.role]}）`;
}

/**
 * Openings of a draft by one person within this long of their last one are one reading: the
 * draft page, the PDF it frames, a reload, its web edition.
 */
export const READING_GAP_MS = 30 * 60_000;

/**
 * Notes that `who` opened a draft before its release (the pre-release access record): each
 * person listed once, with the first and last time; the count of readings grows only when the
 * last opening is more than {@link READING_GAP_MS} ago (a reload, or the PDF the page frames,
 * is the same reading).
 */
export async function noteDraftAccess(
  store: Pick<DeskStore, 'noteAccess' | 'accessOf'>,
  draftId: string,
  who: string,
  at: Date,
): Promise<void> {
  const last = (await store.accessOf(draftId)).find((a) => a.who === who)?.lastAt;
  const reading = !last || at.getTime() - Date.parse(last) > READING_GAP_MS;
  await store.noteAccess(draftId, who, at.toISOString(), { reading });
}

/**
 * Writes one entry of the record of who did what. A failure to record is reported and re-thrown:
 * an action nobody can account for is not silently accepted.
 */
export async function recordAction(store: DeskStore, entry: DeskRecord): Promise<void> {
  await store.record(entry);
}
