/**
 * `GET /data/{zone}/{indicator}.csv?asOf=2026-12-01`: one zone's indicator as it stood at a date
 * (a time with its offset also works; none: now), every period with the date of its revision
 * and the revisions stored since — the records store's revisions, read through app/data-as-of.ts.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { dataAsOf, dataAsOfCsv, parseAsOf, type DataAsOfDeps } from '../app/data-as-of.ts';
import { DATA_CSV_TYPE } from '../core/data-file.ts';
import { ValidationError } from '../errors.ts';

const asOfQuery = z.strictObject({ asOf: z.string().max(40).optional() });
const code = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** Adds the route; `now` is the instant when no `asOf` is given. */
export function mountDataAsOf(app: Hono, deps: DataAsOfDeps & { now: () => Date }): void {
  app.get('/data/:zone/:file', async (c: Context) => {
    const zone = c.req.param('zone') ?? '';
    const m = /^(.+)\.csv$/.exec(c.req.param('file') ?? '');
    const query = asOfQuery.safeParse(c.req.query());
    const problems = [
      ...(code.test(zone) ? [] : [{ field: 'zone', message: '园区代码，例如 national-htz' }]),
      ...(m && code.test(m[1]!)
        ? []
        : [
            {
              field: 'indicator',
              message: '形如 /data/<园区>/<指标>.csv，例如 /data/national-htz/gdp.csv',
            },
          ]),
      ...(query.success
        ? []
        : query.error.issues.map((i) => ({
            field: i.path.join('.') || 'query',
            message: i.message,
          }))),
    ];
    if (problems.length)
      throw new ValidationError(
        'data',
        problems.map((p) => ({ file: '请求', location: p.field, ...p })),
      );
    const asked = query.data?.asOf;
    const asOf = asked ? parseAsOf(asked, deps.timeZone, 'asOf') : deps.now();
    const data = await dataAsOf(deps, {
      zone,
      indicator: m![1]!,
      asOf,
      ...(asked ? { label: asked } : {}),
    });
    c.header('Content-Type', DATA_CSV_TYPE);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Cache-Control', asked ? 'public, max-age=300' : 'no-cache');
    c.header(
      'Content-Disposition',
      `attachment; filename="${zone}-${m![1]}.csv"; filename*=UTF-8''${encodeURIComponent(data.fileName)}`,
    );
    return c.body(new Uint8Array(dataAsOfCsv(data)).buffer as ArrayBuffer);
  });
}
