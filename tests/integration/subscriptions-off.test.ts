/**
 * Without a mail sender (no SES identity, no outbox — e.g. a stack in a China region, which
 * has no SES) the Lambda API turns the subscription routes off instead of storing an address
 * and answering that a confirmation mail was sent; the archive page says subscriptions are
 * off and still links the Atom feed. With a sender the form is there.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiApp } from '../../functions/api/app.ts';
import { awsApiDeps } from '#handlers/api.ts';
import { dumpStores, startTestStores, type TestStores } from '#tests/support/stores.ts';

// Read by the Powertools logger when the handler module loads: quiet tests.
vi.hoisted(() => {
  process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT';
});

const noQueue = {
  send: async () => {
    throw new Error('no report is requested in this test');
  },
};

describe('subscriptions without a mail sender', () => {
  let t: TestStores;

  beforeAll(async () => {
    t = await startTestStores();
  }, 60_000);
  afterAll(async () => t?.stop());

  const appWith = (config: TestStores['config']) =>
    createApiApp(awsApiDeps({ ...t.services, config }, noQueue as never));

  it('answers 404 on every subscription route and stores nothing', async () => {
    const app = appWith({ ...t.config, senderAddress: undefined, outboxDir: undefined });
    const before = await dumpStores(t.services);
    const post = await app.request('/subscriptions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'reader@example.com', series: 'torch-bulletin' }),
    });
    expect(post.status).toBe(404);
    expect(await post.text()).toMatch(/本站未开放订阅/);
    expect((await app.request('/subscriptions/confirm?token=abc')).status).toBe(404);
    expect((await app.request('/subscriptions/unsubscribe?token=abc')).status).toBe(404);
    expect(await dumpStores(t.services)).toBe(before);

    const page = await app.request('/series/torch-bulletin', { headers: { accept: 'text/html' } });
    const html = await page.text();
    expect(html).toContain('暂不提供邮件订阅');
    expect(html).not.toContain('action="/subscriptions"');
    expect(html).not.toMatch(/<form[^>]*subscribe/);
    expect(html).toMatch(/href="[^"]*\/feeds\/torch-bulletin\.atom"/);
  });

  it('shows the form and accepts the request when a sender is configured', async () => {
    const app = appWith({ ...t.config, senderAddress: 'bulletin@example.com', outboxDir: t.dir });
    const html = await (
      await app.request('/series/torch-bulletin', { headers: { accept: 'text/html' } })
    ).text();
    expect(html).toMatch(/<form class="subscribe" method="post"/);
    expect(html).not.toContain('暂不提供邮件订阅');
    const post = await app.request('/subscriptions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'reader@example.com', series: 'torch-bulletin' }),
    });
    expect(post.status).toBe(202);
  });
});
