/**
 * Subscriber mail: the confirmation request (double opt-in) and the notice that a new issue
 * is out. A notice goes to every confirmed subscriber of the series exactly once per issue:
 * a per-(issue, subscriber) marker is claimed with a conditional put BEFORE sending, so a
 * retried or concurrent publish finds it claimed and sends nothing. A send that fails gives
 * its claim back (the next publish retry sends it); a process that dies between claim and
 * send loses that one notice rather than risking a duplicate.
 */
import pLimit from 'p-limit';
import { formatDateZh, formatIssueLine } from '../core/format.ts';
import type { Issue } from '../core/model.ts';
import type { Reference } from '../core/reference.ts';
import { redact } from '../core/redact.ts';
import type { MailMessage, Notifier, Subscription, SubscriberStore } from './ports.ts';

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

/** The mail asking a new subscriber to confirm (double opt-in). */
export function confirmationMessage(opts: {
  subscription: Subscription;
  title: string;
  publicBaseUrl: string;
}): MailMessage {
  const { subscription: s, title, publicBaseUrl: base } = opts;
  return {
    to: s.email,
    subject: `请确认订阅《${title}》`,
    text: [
      '您好：',
      '',
      `我们收到了用此邮箱订阅《${title}》新一期发布通知的请求。请点击下面的链接确认订阅：`,
      '',
      links.confirm(base, s.token),
      '',
      '如果这不是您本人的操作，请忽略本邮件，您不会收到任何通知。',
      '',
      `往期查阅：${links.archive(base)}`,
    ].join('\n'),
    headers: unsubscribeHeaders(links.unsubscribe(base, s.token)),
  };
}

/** The notice that an issue is out, in Chinese, with its download and unsubscribe links. */
export function noticeMessage(opts: {
  subscription: Subscription;
  issue: Issue;
  title: string;
  publicBaseUrl: string;
  timeZone: string;
}): MailMessage {
  const { subscription: s, issue, title, publicBaseUrl: base } = opts;
  const line = formatIssueLine(issue.year, issue.number, issue.total);
  const date = formatDateZh(new Date(issue.publishedAt ?? issue.createdAt), opts.timeZone);
  const unsubscribe = links.unsubscribe(base, s.token);
  return {
    to: s.email,
    subject: `《${title}》${line}已发布`,
    text: [
      '您好：',
      '',
      `《${title}》${line}已于${date}发布${issue.pages ? `，共${issue.pages}页` : ''}。`,
      '',
      `下载PDF：${links.download(base, issue.id)}`,
      `往期查阅：${links.archive(base)}`,
      '',
      '您收到本邮件，是因为您订阅了该刊的发布通知。',
      `退订：${unsubscribe}`,
    ].join('\n'),
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
  const title = seriesTitle(deps.reference, issue.series);
  const limit = pLimit(deps.concurrency ?? 4);
  const pending: Promise<void>[] = [];
  for await (const subscription of deps.subscribers.confirmedSubscribers(issue.series)) {
    pending.push(
      limit(async () => {
        const who = subscription.addressHash;
        const claimed = await deps.subscribers.claimNotice(issue.id, who, deps.now?.());
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
          });
          const { messageId } = await deps.notifier.send(message);
          outcome.sent += 1;
          await deps.subscribers
            .markNoticeSent(issue.id, who, messageId)
            .catch((err: unknown) =>
              deps.log?.(
                `notice ${issue.id} → subscriber ${who.slice(0, 12)}: sent, but not recorded (${describe(err)})`,
              ),
            );
        } catch (err) {
          outcome.failed += 1;
          deps.log?.(
            `notice ${issue.id} → subscriber ${who.slice(0, 12)} failed: ${describe(err)}`,
          );
          await deps.subscribers.releaseNotice(issue.id, who).catch(() => undefined);
        }
      }),
    );
  }
  await Promise.all(pending);
  deps.log?.(
    `notices for ${issue.id}: ${outcome.sent} sent, ${outcome.alreadyNotified} already notified, ${outcome.failed} failed`,
  );
  return outcome;
}

function describe(err: unknown): string {
  return err instanceof Error ? redact(err.message) : 'unknown error';
}
