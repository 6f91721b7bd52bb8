/**
 * The request sandbox of a print page: nothing leaves the machine.
 *
 * A page may load only `data:` URLs and `file://` URLs under the render's allowed roots (and
 * the HTML file itself); every other request is aborted before it leaves the browser and
 * recorded as a problem of the render, as are failed loads, HTTP errors, console errors,
 * script errors, crashes and dialogs. What request interception cannot see (WebSocket
 * handshakes, WebRTC) is sent to a proxy that does not exist by the browser flags of
 * {@link SANDBOX_ARGS}.
 */
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CDPSession, HTTPRequest, Page } from 'puppeteer-core';

/**
 * Browser flags: request interception never sees WebSocket handshakes (nor WebRTC), so send
 * everything that gets past it, loopback included, to a proxy that does not exist, and keep
 * WebRTC off non-proxied UDP.
 */
export const SANDBOX_ARGS: readonly string[] = [
  '--proxy-server=http://127.0.0.1:9',
  '--proxy-bypass-list=<-loopback>',
  '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
];

/** What one render may load, and the problems it collected. */
export interface RenderContext {
  /** Absolute directories the page may load files from. */
  roots: string[];
  /** Absolute files the page may load (the HTML itself). */
  files: ReadonlySet<string>;
  problems: string[];
  blocked: string[];
}

/** A fresh context for a render of `htmlPath` (absolute) that may load under `roots`. */
export function renderContext(htmlPath: string, roots: string[]): RenderContext {
  return {
    roots: roots.map((r) => resolve(r)),
    files: new Set([htmlPath]),
    problems: [],
    blocked: [],
  };
}

/** Whether the page may load `url`: `data:`, or `file://` under a root or one of `files`. */
export function isAllowedUrl(url: string, roots: string[], files: ReadonlySet<string>): boolean {
  if (url.startsWith('data:')) return true;
  if (!url.startsWith('file:')) return false;
  let path: string;
  try {
    path = resolve(fileURLToPath(url));
  } catch {
    return false;
  }
  return files.has(path) || roots.some((r) => path === r || path.startsWith(r + sep));
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Turns on request interception for `page` and reports to `current()` — the context of
 * whichever render uses the page at the time (pages are reused); between renders only
 * `about:blank` may load.
 */
export async function guardPage(
  page: Page,
  current: () => RenderContext | undefined,
  log: (msg: string) => void,
): Promise<void> {
  const problem = (text: string): void => {
    current()?.problems.push(text);
  };
  page.on('request', (request: HTTPRequest) => {
    const url = request.url();
    const ctx = current();
    if (url === 'about:blank' || (ctx && isAllowedUrl(url, ctx.roots, ctx.files))) {
      request.continue().catch(() => undefined);
      return;
    }
    ctx?.blocked.push(url);
    problem(
      `已拦截对 ${url} 的请求（只允许加载 data: 地址和以下目录中的 file:// 地址：` +
        `${ctx?.roots.join('、')}）`,
    );
    log(`渲染 (render)：已拦截 ${url}`);
    request.abort('blockedbyclient').catch(() => undefined);
  });
  page.on('requestfailed', (request) => {
    const url = request.url();
    if (current()?.blocked.includes(url)) return;
    problem(`无法加载 ${url}：${request.failure()?.errorText ?? '原因不明'}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) {
      problem(`无法加载 ${response.url()}：HTTP 状态 ${response.status()}`);
    }
  });
  // Request interception never sees a WebSocket handshake (the proxy of SANDBOX_ARGS stops
  // it, and Chromium logs the failure later, when the connection fails: under load after the
  // page's load was reported). Its creation is named here instead, on the session whose events
  // report the load, so it is a problem of the render before the load is.
  const client = (page as unknown as { _client?: () => CDPSession })._client?.();
  client?.on('Network.webSocketCreated', ({ url }) => {
    current()?.blocked.push(url);
    problem(`已拦截 WebSocket 连接 ${url}（打印页面不得建立任何网络连接）`);
    log(`渲染 (render)：已拦截 WebSocket ${url}`);
  });
  page.on('console', (msg) => {
    const text = msg.text();
    // "Failed to load resource" duplicates requestfailed/response above, which name the URL;
    // a WebSocket's failure, its creation named above.
    const socket = /^WebSocket connection to '([^']*)' failed/.exec(text)?.[1];
    if (socket !== undefined && current()?.blocked.includes(socket)) return;
    if (msg.type() === 'error' && !text.startsWith('Failed to load resource')) {
      problem(`console.error: ${text}`);
    }
  });
  page.on('pageerror', (error) => problem(`页面脚本出错 (page error)：${message(error)}`));
  page.on('error', (error) => problem(`页面崩溃 (page crashed)：${message(error)}`));
  page.on('dialog', (dialog) => {
    problem(`页面弹出了 ${dialog.type()} 对话框：${dialog.message()}`);
    dialog.dismiss().catch(() => undefined);
  });
  await page.setRequestInterception(true);
}
