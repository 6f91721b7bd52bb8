/**
 * What every console page shares: its dependencies, the person signed in, rendering inside the
 * layout, the role check, form parsing (the CSRF token is checked before any handler runs), the
 * notification banner after an action, and the record of who did what.
 *
 * ## Adding a page
 * 1. `functions/api/console/<page>.ts` exports a `ConsolePage`: its path under `/console`, its
 *    label in the navigation, and `mount(app, kit)`, which adds GET routes (any signed-in person
 *    may read) and POST routes guarded by `kit.allow('<action>')` (core/desk.ts says who may).
 * 2. Add it to `PAGES` in `./index.ts`.
 * 3. Its template is `templates/console/<page>.hbs`, wrapped in `{{#> layout}} … {{/layout}}`;
 *    every form carries `{{> csrf}}`; errors go to `{{> error-summary}}`; a finished action
 *    redirects (303) with `?done=<code>`, and the page shows the banner for that code.
 * Pages reach the stores through app/ use cases and ports only, never an adapter.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import {
  ACTION_LABELS,
  may,
  ROLE_LABELS,
  type DeskAction,
  type DeskRecord,
  type Role,
} from '../../core/desk.ts';
import type { CalendarDeps } from '../../app/calendar.ts';
import type { LifecycleDeps } from '../../app/lifecycle.ts';
import type { OperatorJob } from '../../app/requests.ts';
import type { DeskStore, Notifier, SubscriberStore } from '../../app/ports.ts';
import type { Reference } from '../../core/reference.ts';
import { renderConsole } from './render.ts';

/** The person behind a console request. */
export interface Person {
  name: string;
  role: Role;
  /** The token every form of this person's session must carry. */
  csrf: string;
}

export type ConsoleEnv = { Variables: { person: Person } };
export type ConsoleApp = Hono<ConsoleEnv>;
export type ConsoleContext = Context<ConsoleEnv>;

/** One schedule as the console shows it (its switch from the state store). */
export interface ConsoleSchedule {
  id: string;
  kind: string;
  cron: string;
  timeZone: string;
  description?: string;
  allZones: boolean;
  /** The region or zone the schedule's report covers (its name in words on 定时任务). */
  region?: string;
  zone?: string;
  /** The switch as stored (or the file's `enabled` while nobody switched it). */
  enabled: boolean;
  switchedBy?: string;
  switchedAt?: string;
}

/** The schedules' side of the console: the file's schedules, their switches, a firing on demand. */
export interface ConsoleSchedules {
  list(): Promise<ConsoleSchedule[]>;
  /** Stores the switch and applies it (the local cron job; on AWS the Scheduler schedule). */
  setEnabled(id: string, enabled: boolean, by: string): Promise<void>;
  /** Fires the schedule now; returns what it did, in words. */
  runNow(id: string, by: string): Promise<string>;
}

/** Who the person is: local accounts with sessions, or the identity provider's tokens (AWS). */
export interface ConsoleIdentity {
  person(c: ConsoleContext): Promise<Person | undefined>;
  /** Adds the sign-in and sign-out routes (`/console/login`, `/console/logout`, …). */
  mount(app: ConsoleApp, kit: ConsoleKit): void;
}

export interface ConsoleDeps {
  lifecycle: LifecycleDeps;
  desk: DeskStore;
  subscribers: SubscriberStore;
  notifier: Notifier;
  reference: Reference;
  /** Every series id. */
  series: string[];
  timeZone: string;
  presignTtlSeconds: number;
  /** Work that prints, handed to the function with the browser (AWS); absent: done here. */
  offload?(job: OperatorJob): Promise<void>;
  schedules?: ConsoleSchedules;
  /** The release calendar: each schedule's dates on its page, moved or cancelled with a reason. */
  calendar?: CalendarDeps;
  /** Default: local accounts (`bulletin users add`) and sessions. */
  identity?: ConsoleIdentity;
  /** The site's base URL (links in mail); '' when unknown. */
  publicBaseUrl?: () => string;
  now?: () => Date;
  log?: (message: string) => void;
}

/** One error of a form, linked from the error summary to its field. */
export interface FieldError {
  field: string;
  message: string;
}

export interface ConsoleKit {
  deps: ConsoleDeps;
  now(): Date;
  /** Renders a console template inside the layout. */
  page(
    c: ConsoleContext,
    template: string,
    view: object,
    status?: ContentfulStatusCode,
  ): Promise<Response>;
  /** Refuses (403) a person whose role may not take `action`. */
  allow(action: DeskAction): MiddlewareHandler<ConsoleEnv>;
  /** The posted form checked against a schema: its data, or the errors to show. */
  form<T>(c: ConsoleContext, schema: z.ZodType<T>): Promise<{ data: T } | { errors: FieldError[] }>;
  /** 303 to `path` with the banner of `code` (the page says what it means). */
  done(c: ConsoleContext, path: string, code: string): Response;
  /** Records an action of the person signed in. */
  record(c: ConsoleContext, entry: Omit<DeskRecord, 'at' | 'who' | 'via'>): Promise<void>;
}

/** The `/console` navigation: label, path and whether the person may see it. */
export interface NavEntry {
  path: string;
  label: string;
  /** Listed only for people who may take this action (default: everyone signed in). */
  shows?: DeskAction;
}

/** A page of the console (one file each), listed in `PAGES` of ./index.ts. */
export interface ConsolePage {
  nav: NavEntry;
  mount(app: ConsoleApp, kit: ConsoleKit): void;
}

export function createKit(deps: ConsoleDeps, nav: NavEntry[]): ConsoleKit {
  const now = () => deps.now?.() ?? new Date();
  return {
    deps,
    now,
    async page(c, template, view, status = 200) {
      const person = c.get('person') as Person | undefined;
      const path = new URL(c.req.url).pathname;
      const html = await renderConsole(template, {
        ...view,
        ...(person
          ? {
              person: { ...person, roleLabel: ROLE_LABELS[person.role] },
              csrfToken: person.csrf,
              nav: nav
                .filter((n) => !n.shows || may(person.role, n.shows))
                .map((n) => ({
                  path: n.path,
                  label: n.label,
                  current: path === n.path || path.startsWith(`${n.path}/`),
                })),
            }
          : {}),
      });
      c.header('Cache-Control', 'no-store');
      return c.html(html, status);
    },
    allow(action) {
      return async (c, next) => {
        const person = c.get('person');
        if (!may(person.role, action)) {
          return this.page(
            c,
            'error',
            {
              pageTitle: '无权操作',
              message: `${ACTION_LABELS[action]}需要更高的角色：您是${ROLE_LABELS[person.role]}。`,
            },
            403,
          );
        }
        await next();
      };
    },
    async form(c, schema) {
      const raw = await c.req.parseBody();
      const fields = Object.fromEntries(
        Object.entries(raw).filter(([k, v]) => k !== '_csrf' && typeof v === 'string'),
      );
      const parsed = schema.safeParse(fields);
      if (parsed.success) return { data: parsed.data };
      return {
        errors: parsed.error.issues.map((i) => ({
          field: String(i.path[0] ?? 'form'),
          message: i.message,
        })),
      };
    },
    done(c, path, code) {
      return c.redirect(
        `${path}${path.includes('?') ? '&' : '?'}done=${encodeURIComponent(code)}`,
        303,
      );
    },
    async record(c, entry) {
      await deps.desk.record({
        ...entry,
        at: now().toISOString(),
        who: c.get('person').name,
        via: 'console',
      });
    },
  };
}
