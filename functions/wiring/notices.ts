/**
 * How a command-line release tells subscribers — the same notices (`app/notify.ts`, through the
 * cycle's `notify`) the local server and the console send — or, when none can be sent from
 * here, why not. A notice links to the web edition, the download and the unsubscribe page:
 * someone must answer those links.
 *
 * - Local: the running `bulletin serve` of the state folder answers them; its address is the
 *   base of the links and its outbox receives the mail. With no server running, nothing is sent.
 * - AWS: the API's public address (`BULLETIN_PUBLIC_BASE_URL`) and SES, as the Lambdas do.
 */
import { createOutboxNotifier } from '../adapters/ses/notifier.ts';
import type { PublishDeps } from '../app/publish.ts';
import type { Services } from './services.ts';

/** Subscribers are told through these, or `why` they cannot be from here. */
export type NoticeWay =
  | {
      send: true;
      deps: Required<Pick<PublishDeps, 'subscribers' | 'notifier' | 'publicBaseUrl'>>;
      /** Where the mail goes when it is written to files (locally). */
      outboxDir?: string;
    }
  | { send: false; why: string };

export function noticeWayOf(
  s: Services,
  opts: { target: 'local' | 'aws'; server?: { url: string; outboxDir: string } },
): NoticeWay {
  if (opts.target === 'local') {
    if (!opts.server)
      return {
        send: false,
        why: '本地服务 (bulletin serve) 未运行，通知邮件中的链接（在线阅读、下载、退订）无人应答',
      };
    return {
      send: true,
      deps: {
        subscribers: s.subscribers,
        notifier: createOutboxNotifier(opts.server.outboxDir, { sender: s.config.senderAddress }),
        publicBaseUrl: s.config.publicBaseUrl ?? opts.server.url,
      },
      outboxDir: opts.server.outboxDir,
    };
  }
  if (!s.config.publicBaseUrl)
    return {
      send: false,
      why: '未设置 API 的公开地址 (BULLETIN_PUBLIC_BASE_URL)，通知邮件中的链接无处可指',
    };
  return {
    send: true,
    deps: {
      subscribers: s.subscribers,
      notifier: s.notifier,
      publicBaseUrl: s.config.publicBaseUrl,
    },
    ...(s.config.outboxDir ? { outboxDir: s.config.outboxDir } : {}),
  };
}

/** The publish dependencies with the notices of `way` (none when it cannot send). */
export function withNotices(deps: PublishDeps, way: NoticeWay): PublishDeps {
  const { subscribers: _s, notifier: _n, publicBaseUrl: _p, ...rest } = deps;
  return way.send ? { ...rest, ...way.deps } : rest;
}
