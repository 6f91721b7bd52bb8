/**
 * A console session over plain HTTP for tests: a cookie jar, sign-in through the login form
 * (with its CSRF cookie), and form posts that carry the page's CSRF token. What a browser does
 * with JavaScript off.
 */
export interface ConsoleClient {
  get(path: string): Promise<{ status: number; html: string; location?: string }>;
  /** Posts a form; `_csrf` is the session's token unless the fields give one (or `null`: none). */
  post(
    path: string,
    fields: Record<string, string>,
    opts?: { csrf?: string | null },
  ): Promise<{ status: number; html: string; location?: string }>;
  login(
    name: string,
    password: string,
  ): Promise<{ status: number; html: string; location?: string }>;
  /** The CSRF token of the last page that had a form. */
  csrf(): string | undefined;
}

export function consoleClient(base: string): ConsoleClient {
  const jar = new Map<string, string>();
  let token: string | undefined;
  const send = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string>),
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, v] = pair!.split('=') as [string, string];
      if (v === '' || /Max-Age=0/i.test(c)) jar.delete(k);
      else jar.set(k, v);
    }
    const html = await res.text();
    const found = /name="_csrf" value="([^"]+)"/.exec(html);
    if (found) token = found[1];
    const location = res.headers.get('location') ?? undefined;
    return { status: res.status, html, ...(location ? { location } : {}) };
  };
  const client: ConsoleClient = {
    get: (path) => send(path),
    post(path, fields, opts = {}) {
      const body = new URLSearchParams(fields);
      const csrf = opts.csrf === undefined ? token : opts.csrf;
      if (csrf !== null && csrf !== undefined && !('_csrf' in fields)) body.set('_csrf', csrf);
      return send(path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
      });
    },
    async login(name, password) {
      await send('/console/login');
      return client.post('/console/login', { name, password });
    },
    csrf: () => token,
  };
  return client;
}
