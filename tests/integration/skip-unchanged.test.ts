/**
 * Issue 26.3: what defeats skip-unchanged besides the data. A re-run whose records equal the
 * latest release's makes no draft — unless what prints them changed: the template files (a new
 * deploy, seen here as a fresh module graph reading another templates folder) or the series
 * configuration. Against dynalite + s3rver through the real SDK, printed by the tiny renderer.
 * (A report hash without the templates, planted, re-ran a changed template as "unchanged".)
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Series } from '#core/model.ts';
import type { Reference } from '#core/reference.ts';
import { startTestStack, REPO_ROOT, type TestStack } from '#tests/support/stack.ts';
import { createTinyRenderer, type TinyRenderer } from '#tests/support/tiny-renderer.ts';

type Issuer = Series['issuers'][number];

const NOW = new Date('2026-11-20T01:00:00Z');

describe('skip-unchanged and what defeats it', () => {
  let t: TestStack;
  let renderer: TinyRenderer;
  let released = '';

  beforeAll(async () => {
    renderer = createTinyRenderer();
    t = await startTestStack({ services: { renderer } });
    await t.ingestRepoData();
    const { publishReport, cycleOf } = await import('../../functions/app/publish.ts');
    const { releaseDraft } = await import('../../functions/app/lifecycle.ts');
    const deps = t.publishDeps({ now: () => NOW });
    const drafted = await publishReport(deps, { kind: 'torch-bulletin', slotKey: 'skip:first' });
    expect(drafted.outcome).toBe('drafted');
    released = (await releaseDraft(cycleOf(deps), drafted.draft!.id, { by: 'editor' })).id;
  }, 120_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    await t?.stop();
  });

  /** Triggers the bulletin again with this module graph's code, optionally another reference. */
  async function rerun(slotKey: string, reference?: Reference) {
    const { publishReport } = await import('../../functions/app/publish.ts');
    return publishReport(t.publishDeps({ now: () => NOW, ...(reference ? { reference } : {}) }), {
      kind: 'torch-bulletin',
      slotKey,
    });
  }

  it('makes no draft when nothing changed', async () => {
    const before = renderer.renders;
    const again = await rerun('skip:same');
    expect(again.outcome).toBe('unchanged');
    expect(again.issue?.id).toBe(released);
    expect(renderer.renders).toBe(before);
  });

  it('makes a draft when the series configuration changed (the issuer handover postponed)', async () => {
    // The duty moves to the current issuer on 2027-01-01 instead of 2023-03-16: an issue released
    // on 2026-11-20 names the earlier issuer in its masthead. The records are the same.
    const reference = t.services.reference;
    const series = reference.seriesById('torch-bulletin')!;
    const [earlier, current] = series.issuers.slice(-2) as [Issuer, Issuer];
    const changed: Series = {
      ...series,
      issuers: [
        ...series.issuers.slice(0, -2),
        { ...earlier, to: '2026-12-31' },
        { ...current, from: '2027-01-01' },
      ],
    };
    const postponed: Reference = {
      ...reference,
      series: reference.series.map((s) => (s.id === series.id ? changed : s)),
      seriesById: (id) => (id === series.id ? changed : reference.seriesById(id)),
    };
    const issuerOf = (html: string | undefined) =>
      /<div class="issuer">([^<]*)</.exec(html ?? '')?.[1];
    expect(issuerOf(renderer.htmls.at(-1))).toBe(current.name);
    const again = await rerun('skip:series', postponed);
    expect(again.outcome).toBe('drafted');
    expect(issuerOf(renderer.htmls.at(-1))).toBe(earlier.name);
  });

  it('makes a draft when a template file changed (a new deploy), and prints with it', async () => {
    // A copy of the templates, read by a fresh module graph (as a new deploy would): unchanged,
    // the re-run still skips.
    const dir = join(t.dir, 'templates');
    await cp(join(REPO_ROOT, 'templates'), dir, { recursive: true });
    vi.stubEnv('BULLETIN_TEMPLATES_DIR', dir);
    vi.resetModules();
    expect((await rerun('skip:template-copy')).outcome).toBe('unchanged');

    // The bulletin template differs by one line: the re-run drafts and prints with it.
    const file = join(dir, 'torch-bulletin', 'bulletin.hbs');
    const marker = '<!-- 模板已改：skip-unchanged -->';
    await writeFile(file, `${await readFile(file, 'utf8')}\n${marker}\n`);
    vi.resetModules();
    const before = renderer.renders;
    const again = await rerun('skip:template');
    expect(again.outcome).toBe('drafted');
    expect(renderer.renders).toBeGreaterThan(before);
    expect(renderer.htmls.at(-1)).toContain(marker);
  });
});
