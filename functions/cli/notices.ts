/**
 * What a release from the command line did for subscribers, in one line: how many notices went
 * out (and where the mail is), or why none could be sent from here and how to send them later
 * (`bulletin notify ISSUE`).
 */
import type { NotifyOutcome } from '../app/notify.ts';
import type { Issue } from '../core/model.ts';
import type { NoticeWay } from '../wiring/notices.ts';
import type { Services } from '../wiring/services.ts';

/** Whether the series has at least one confirmed subscriber (reads one page at most). */
async function hasConfirmedSubscriber(s: Services, series: string): Promise<boolean> {
  for await (const _ of s.subscribers.confirmedSubscribers(series)) return true;
  return false;
}

/** How to send the notices later, where they could not be sent now. */
export function notifyLaterHint(way: NoticeWay, issueId: string): string {
  return way.send
    ? `稍后运行 bulletin notify ${issueId} 补发`
    : way.why.includes('bulletin serve')
      ? `启动 bulletin serve 后运行 bulletin notify ${issueId} 补发`
      : `设置后运行 bulletin notify ${issueId} 补发`;
}

/** The line that says what notifying did (`notices`), or why nothing was sent. */
export async function noticeLine(
  s: Services,
  way: NoticeWay,
  issue: Issue,
  result: { notices?: NotifyOutcome; noticeError?: string },
): Promise<string> {
  if (result.noticeError)
    return `通知订阅者失败：${result.noticeError}；${notifyLaterHint(way, issue.id)}。`;
  if (!way.send)
    return (await hasConfirmedSubscriber(s, issue.series))
      ? `未通知订阅者：${way.why}。${notifyLaterHint(way, issue.id)}。`
      : '没有已确认的订阅者，无需通知。';
  const n = result.notices;
  if (!n || n.sent + n.alreadyNotified + n.failed === 0) return '没有已确认的订阅者，无需通知。';
  return [
    `已通知订阅者：发出 ${n.sent} 封`,
    n.alreadyNotified ? `，此前已通知 ${n.alreadyNotified} 位` : '',
    n.failed ? `，失败 ${n.failed} 封（${notifyLaterHint(way, issue.id)}）` : '',
    way.outboxDir && n.sent ? `；邮件在 ${way.outboxDir}` : '',
    '。',
  ].join('');
}
