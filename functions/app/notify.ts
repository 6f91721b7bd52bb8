/**
 * Subscriber mail: the confirmation request (double opt-in) and the notice that a new issue
 * is out. A notice goes to every confirmed subscriber of the series exactly once per issue:
 * a per-(issue, subscriber) marker is claimed with a conditional put BEFORE sending, so a
 * retried or concurrent publish finds it claimed and sends nothing. A send that fails gives
 * its claim back (the next publish retry sends it); a process that dies between claim and
 * send loses that one notice rather than risking a duplicate.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import pLimit from 'p-limit';
import { formatDateZh, formatIssueLine } from '../core/format.ts';
import { issuerOn, type Issue, type IssueContents, type Series } from '../core/model.ts';
import type { Reference } from '../core/reference.ts';
import { redact } from '../core/redact.ts';
import type { MailMessage, Notifier, Subscription, SubscriberStore } from './ports.ts';
import { templatesDir } from './templates.ts';

export interface NotifyDeps {
  subscribers: SubscriberStore;
  notifier: Notifier;
  reference: Reference;
  /** Base URL of the HTTP API (no trailing slash): links in mail point there. */
  publicBaseUrl: string;
  timeZone: string;
  now?: () => Date;
  log?: (message: string) => void;
  /** Messages handed to the mail service at once. Default 4. */
  concurrency?: number;
}

export interface NotifyOutcome {
  issueId: string;
  /** Notices handed to the mail service by this call. */
  sent: number;
  /** Subscribers whose notice was claimed (sent) before, by this or another run. */
  alreadyNotified: number;
  /** Notices that failed; their claims were released for a retry. */
  failed: number;
}

/** The title of a series for people: `火炬动态` (falls back to the id). */
export function seriesTitle(reference: Reference, series: string): string {
  return reference.seriesById(series)?.title ?? series;
}

export const links = {
  archive: (base: string) => `${base}/`,
  web: (base: string, issueId: string) => `${base}/bulletins/${encodeURIComponent(issueId)}/web`,
  cover: (base: string, issueId: string) =>
    `${base}/bulletins/${encodeURIComponent(issueId)}/cover`,
  download: (base: string, issueId: string) =>
    `${base}/bulletins/${encodeURIComponent(issueId)}/download`,
  confirm: (base: string, token: string) =>
    `${base}/subscriptions/confirm?token=${encodeURIComponent(token)}`,
  unsubscribe: (base: string, token: string) =>
    `${base}/subscriptions/unsubscribe?token=${encodeURIComponent(token)}`,
};

function unsubscribeHeaders(url: string): Record<string, string> {
  // RFC 8058 one-click: mail clients POST to the URL (the API accepts POST there too).
  return { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

const mailHbs = Handlebars.create();
const mailTemplates = new Map<string, Handlebars.TemplateDelegate>();

/** Renders `templates/mail/<name>.hbs` inside the mail layout (compiled once per process). */
function renderMailHtml(name: 'notice' | 'confirmation', data: object): string {
  let template = mailTemplates.get(name);
  if (!template) {
    const dir = join(templatesDir(), 'mail');
    const layout = mailHbs.compile(readFileSync(join(dir, 'layout.hbs'), 'utf8'), { strict: true });
    const body = mailHbs.compile(readFileSync(join(dir, `${name}.hbs`), 'utf8'));
    template = (ctx: object) => layout(ctx, { partials: { body } });
    mailTemplates.set(name, template);
  }
  return template(data);
}

/** The issuer and contact lines of a series' colophon, for the foot of every mail. */
function mailFooter(series: Series | undefined, isoDate: string) {
  if (!series) return {};
  const c = series.colophon;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  return {
    issuer: issuerOn(series, isoDate),
    address: str(c['address']),
    postcode: str(c['postcode']),
    phone: str(c['phone']),
    website: str(c['website']),
  };
}

/** The sender's display name: the series' own (`mail.fromName`), else its editorial office. */
function fromNameOf(series: Series | undefined, title: string): string {
  return series?.mail?.fromName ?? `《${title}》编辑部`;
}

/** The mail asking a new subscriber to confirm (double opt-in). */
export function confirmationMessage(opts: {
  subscription: Subscription;
  title: string;
  publicBaseUrl: string;
  series?: Series;
  now?: Date;
}): MailMessage {
  const { subscription: s, title, publicBaseUrl: base } = opts;
  const confirmUrl = links.confirm(base, s.token);
  const subject = `请确认订阅《${title}》`;
  return {
    to: s.email,
    subject,
    fromName: fromNameOf(opts.series, title),
    text: [
      '您好：',
      '',
      `我们收到了用此邮箱订阅《${title}》新一期发布通知的请求。请打开下面的链接，在页面上确认订阅：`,
      '',
      confirmUrl,
      '',
      '如果这不是您本人的操作，请忽略本邮件，您不会收到任何通知。',
      '',
      `往期查阅：${links.archive(base)}`,
    ].join('\n'),
    html: renderMailHtml('confirmation', {
      subject,
      title,
      issuer: opts.series ? issuerOn(opts.series, (opts.now ?? new Date()).toISOString()) : '',
      confirmUrl,
      archiveUrl: links.archive(base),
      reason: '您收到本邮件，是因为有人用此邮箱申请订阅。',
      footer: mailFooter(opts.series, (opts.now ?? new Date()).toISOString()),
    }),
    headers: unsubscribeHeaders(links.unsubscribe(base, s.token)),
  };
}

/**
 * The notice that an issue is out, in Chinese: its 要目, links to the web edition and the PDF,
 * the issuer's contact lines and the unsubscribe link; text and HTML alternatives.
 */
export function noticeMessage(opts: {
  subscription: Subscription;
  issue: Issue;
  title: string;
  publicBaseUrl: string;
  timeZone: string;
  series?: Series;
}): MailMessage {
  const { subscription: s, issue, title, publicBaseUrl: base } = opts;
  const line = formatIssueLine(issue.year, issue.number, issue.total);
  const publishedAt = issue.publishedAt ?? issue.createdAt;
  const date = formatDateZh(new Date(publishedAt), opts.timeZone);
  const unsubscribe = links.unsubscribe(base, s.token);
  const current = issue.editions?.at(-1);
  if (current && current.edition > 1)
    return {
      to: s.email,
      subject: `《${title}》${line}修订版已发布`,
      fromName: fromNameOf(opts.series, title),
      text: [
        '您好：',
        '',
        `《${title}》${line}发布后，部分数据的来源资料作了修订，修订版已于${formatDateZh(new Date(current.releasedAt), opts.timeZone)}发布，期号不变：`,
        '',
        ...(current.corrections ?? []).map(
          (c) => `· ${c.printedAs}：${c.oldValue} → ${c.newValue}${c.unit}（${c.source}）`,
        ),
        '',
        `下载修订版：${links.download(base, issue.id)}`,
        `原版仍可下载：${links.download(base, issue.id)}?edition=1`,
        `往期查阅：${links.archive(base)}`,
        '',
        '您收到本邮件，是因为您订阅了该刊的发布通知。',
        `退订：${unsubscribe}`,
      ].join('\n'),
      headers: unsubscribeHeaders(unsubscribe),
    };
  const contents: IssueContents = issue.contents ?? [];
  const webUrl = issue.webKey ? links.web(base, issue.id) : undefined;
  const subject = `《${title}》${line}已发布`;
  return {
    to: s.email,
    subject,
    fromName: fromNameOf(opts.series, title),
    text: [
      '您好：',
      '',
      `《${title}》${line}已于${date}发布${issue.pages ? `，共${issue.pages}页` : ''}。`,
      ...(contents.length
        ? ['', '本期要目', ...contents.map((c) => `【${c.section}】${c.titles.join('；')}`)]
        : []),
      '',
      ...(webUrl ? [`在线阅读：${webUrl}`] : []),
      `下载PDF：${links.download(base, issue.id)}`,
      `往期查阅：${links.archive(base)}`,
      '',
      '您收到本邮件，是因为您订阅了该刊的发布通知。',
      `退订：${unsubscribe}`,
    ].join('\n'),
    html: renderMailHtml('notice', {
      subject,
      title,
      issuer: opts.series ? issuerOn(opts.series, publishedAt) : '',
      issueLine: line,
      date,
      pages: issue.pages,
      contents,
      webUrl,
      downloadUrl: links.download(base, issue.id),
      archiveUrl: links.archive(base),
      unsubscribeUrl: unsubscribe,
      reason: '您收到本邮件，是因为您订阅了该刊的发布通知。',
      footer: mailFooter(opts.series, publishedAt),
    }),
    headers: unsubscribeHeaders(unsubscribe),
  };
}

/**
 * Sends the notice of a published issue to every confirmed subscriber of its series that
 * has not had it yet. Safe to call again (retries, concurrent runs): each subscriber gets
 * one notice per issue. Never logs addresses or tokens.
 */
export async function notifySubscribers(deps: NotifyDeps, issue: Issue): Promise<NotifyOutcome> {
  const outcome: NotifyOutcome = { issueId: issue.id, sent: 0, alreadyNotified: 0, failed: 0 };
  if (issue.status !== 'published') return outcome;
  // A corrected edition is its own notice: one per subscriber per edition.
  const edition = issue.editions?.at(-1)?.edition ?? 1;
  const noticeKey = edition > 1 ? `${issue.id}#e${edition}` : issue.id;
  const title = seriesTitle(deps.reference, issue.series);
  const series = deps.reference.seriesById(issue.series);
  const limit = pLimit(deps.concurrency ?? 4);
  const pending: Promise<void>[] = [];
  for await (const subscription of deps.subscribers.confirmedSubscribers(issue.series)) {
    pending.push(
      limit(async () => {
        const who = subscription.addressHash;
        const claimed = await deps.subscribers.claimNotice(noticeKey, who, deps.now?.());
        if (!claimed) {
          outcome.alreadyNotified += 1;
          return;
        }
        try {
          const message = noticeMessage({
            subscription,
            issue,
            title,
            publicBaseUrl: deps.publicBaseUrl,
            timeZone: deps.timeZone,
            ...(series ? { series } : {}),
          });
          const { messageId } = await deps.notifier.send(message);
          outcome.sent += 1;
          await deps.subscribers
            .markNoticeSent(noticeKey, who, messageId)
            .catch((err: unknown) =>
              deps.log?.(
                `${issue.id} 的通知 → 订阅者 ${who.slice(0, 12)}：已发出，但未能记录（${describe(err)}）`,
              ),
            );
        } catch (err) {
          outcome.failed += 1;
          deps.log?.(`${issue.id} 的通知 → 订阅者 ${who.slice(0, 12)} 发送失败：${describe(err)}`);
          await deps.subscribers
            .releaseNotice(noticeKey, who, describe(err))
            .catch(() => undefined);
        }
      }),
    );
  }
  await Promise.all(pending);
  deps.log?.(
    `${issue.id} 的通知：发出 ${outcome.sent} 封，此前已通知 ${outcome.alreadyNotified} 位，失败 ${outcome.failed} 封`,
  );
  return outcome;
}

function describe(err: unknown): string {
  return err instanceof Error ? redact(err.message) : '原因不明';
}
