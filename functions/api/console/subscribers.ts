/**
 * 订阅: subscriptions by series and state; each recent issue's delivery log (sent, failed with
 * the reason); a test mail to an address; resending an issue's notice to every confirmed
 * subscriber who has not had it (a failed send is tried again, a sent one never twice).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { formatIssueLine } from '../../core/format.ts';
import { parseIssueId } from '../../core/lifecycle.ts';
import { notifySubscribers } from '../../app/notify.ts';
import type { ConsoleContext, ConsolePage } from './kit.ts';

const testMailForm = z.object({
  email: z.email('请输入有效的电子邮箱地址，例如 editor@example.cn').max(254, '地址过长'),
});

/** Recent issues per series whose delivery log is shown. */
const RECENT = 6;

export const subscribersPage: ConsolePage = {
  nav: { path: '/console/subscribers', label: '订阅' },
  mount(app, kit) {
    const L = kit.deps.lifecycle;
    const view = async (
      c: Parameters<typeof kit.page>[0],
      extra: object = {},
      status: 200 | 400 = 200,
    ) => {
      const series = await Promise.all(
        kit.deps.reference.series.map(async (s) => {
          const counts = await kit.deps.subscribers.countsOf(s.id);
          const issues = (await L.catalog.allIssues(s.id))
            .filter((i) => i.status === 'published')
            .slice(0, RECENT);
          const notices = await Promise.all(
            issues.flatMap((i) => {
              const editions = Math.max(1, i.edition ?? 1);
              return Array.from({ length: editions }, (_, k) => k + 1).map(async (e) => {
                const key = e > 1 ? `${i.id}#e${e}` : i.id;
                const log = await kit.deps.subscribers.deliveries(key);
                return {
                  issueId: i.id,
                  line: `${formatIssueLine(i.year, i.number, i.total)}${e > 1 ? ` 第 ${e} 版（修订版）` : ''}`,
                  sent: log.filter((d) => d.state === 'sent').length,
                  pending: log.filter((d) => d.state === 'claimed').length,
                  failed: log
                    .filter((d) => d.state === 'failed')
                    .map((d) => ({ ...d, who: d.addressHash.slice(0, 12) })),
                };
              });
            }),
          );
          return { id: s.id, title: s.title, counts, notices };
        }),
      );
      const done = c.req.query('done');
      return kit.page(
        c,
        'subscribers',
        {
          pageTitle: '订阅',
          series,
          mailOff: !kit.deps.publicBaseUrl?.(),
          ...(done === 'test-mail' ? { banner: await testMailBanner(c) } : {}),
          ...(done === 'resent'
            ? {
                banner: `通知已重发：新发 ${c.req.query('sent') ?? 0} 封，失败 ${c.req.query('failed') ?? 0} 封，此前已收到 ${c.req.query('already') ?? 0} 位。`,
              }
            : {}),
          ...extra,
        },
        status,
      );
    };

    /**
     * The banner after a test mail says where it went (the local outbox file, or SES), read from
     * the record of the person's own last test mail — never from the address bar.
     */
    async function testMailBanner(c: ConsoleContext): Promise<string> {
      const mine = (await kit.deps.desk.records({ limit: 50 })).find(
        (r) => r.action === 'test-mail' && r.who === c.get('person').name,
      );
      return mine?.detail ? `${mine.detail}。` : '测试邮件已发出。';
    }

    app.get('/console/subscribers', (c) => view(c));

    app.post('/console/subscribers/test-mail', kit.allow('test-mail'), async (c) => {
      const form = await kit.form(c, testMailForm);
      if ('errors' in form)
        return view(c, { errors: form.errors, email: c.req.query('email') }, 400);
      const { messageId, delivered } = await kit.deps.notifier.send({
        to: form.data.email,
        subject: '《火炬动态》编辑部测试邮件',
        text: [
          '您好：',
          '',
          `这是 ${c.get('person').name} 从《火炬动态》编辑部发出的测试邮件，用于确认发信设置可用。`,
          '无需回复。',
        ].join('\n'),
        fromName: '《火炬动态》编辑部',
      });
      const hash = createHash('sha256').update(form.data.email.trim().toLowerCase()).digest('hex');
      await kit.record(c, {
        action: 'test-mail',
        target: `mail:${hash.slice(0, 12)}`,
        detail: `测试邮件：${delivered ?? `已发出（邮件编号 ${messageId}）`}`,
      });
      return kit.done(c, '/console/subscribers', 'test-mail');
    });

    app.post('/console/subscribers/resend/:id', kit.allow('resend'), async (c) => {
      const parsed = parseIssueId(c.req.param('id'));
      const issue = parsed ? await L.catalog.issueByTotal(parsed.series, parsed.total) : undefined;
      if (!issue)
        return kit.page(
          c,
          'error',
          { pageTitle: '未找到此期', message: '没有这一期。', back: '/console/subscribers' },
          404,
        );
      const base = kit.deps.publicBaseUrl?.() ?? '';
      if (!base)
        return kit.page(
          c,
          'error',
          {
            pageTitle: '无法发送',
            message: '未配置网站地址（BULLETIN_PUBLIC_BASE_URL），通知中的链接无处可指，未发送。',
            back: '/console/subscribers',
          },
          409,
        );
      const outcome = await notifySubscribers(
        {
          subscribers: kit.deps.subscribers,
          notifier: kit.deps.notifier,
          reference: kit.deps.reference,
          publicBaseUrl: base,
          timeZone: kit.deps.timeZone,
          ...(kit.deps.log ? { log: kit.deps.log } : {}),
        },
        issue,
      );
      await kit.record(c, {
        action: 'resend',
        target: issue.id,
        detail: `新发 ${outcome.sent}，失败 ${outcome.failed}，此前已收到 ${outcome.alreadyNotified}`,
      });
      return kit.done(
        c,
        `/console/subscribers?sent=${outcome.sent}&failed=${outcome.failed}&already=${outcome.alreadyNotified}`,
        'resent',
      );
    });
  },
};
