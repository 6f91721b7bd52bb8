/**
 * The one corrections function (app/corrections.ts) on the real bulletin against real dynalite +
 * s3rver: a revision that changes only a growth rate, only a qualifier, or a figure of an issue
 * a newer issue has superseded puts the issue in the queue, with what changed; the queue,
 * `correct` (the draft's 勘误说明) and the operator API list the same lines; an editor's dismissal
 * is kept with its reason and a later revision brings the issue back.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFiles } from '../../functions/app/ingest.ts';
import {
  correctIssue,
  discardDraft,
  releaseDraft,
  triggerReport,
  type LifecycleDeps,
} from '../../functions/app/lifecycle.ts';
import {
  changedFigures,
  correctionQueue,
  dismissCorrection,
} from '../../functions/app/corrections.ts';
import type { IndicatorRecord } from '../../functions/core/model.ts';
import { lifecycleDepsOf } from '../../functions/wiring/lifecycle.ts';
import {
  publishDeps,
  seedRealData,
  startTestStores,
  type TestStores,
} from '#tests/support/stores.ts';
import { createTinyRenderer, type TinyRenderer } from '#tests/support/tiny-renderer.ts';

const SERIES = ['torch-bulletin'];

describe('the corrections queue', () => {
  let stores: TestStores;
  let renderer: TinyRenderer;
  let deps: LifecycleDeps;
  let clock = new Date('2026-12-06T02:00:00Z');
  let slot = 0;

  /** Stores a new revision of a record: the same record with `change` applied. */
  async function revise(r: IndicatorRecord, change: Partial<IndicatorRecord>) {
    const next = { ...r, ...change };
    const csv =
      'zone,indicator,period,value,unit,yoy,share,qualifier,source\n' +
      [
        next.zone,
        next.indicator,
        next.period,
        next.reportedValue ?? next.value,
        next.reportedUnit ?? stores.services.reference.indicator(next.indicator)!.unit,
        next.yoy ?? '',
        next.share ?? '',
        next.qualifier ?? '',
        next.source,
      ].join(',') +
      '\n';
    const out = await ingestFiles(
      { records: stores.services.records, reference: stores.services.reference },
      [{ name: `revision-${++slot}.csv`, bytes: new TextEncoder().encode(csv) }],
    );
    expect(out.revised).toBe(1);
    clock = new Date(clock.getTime() + 60_000);
  }

  async function current(zone: string, indicator: string, period: string) {
    const map = await stores.services.records.currentValues([{ zone, indicator, period }]);
    return map.get(`${zone}#${indicator}#${period}`)!;
  }

  async function release(force = true) {
    const made = await triggerReport(
      deps,
      { kind: 'torch-bulletin' },
      { slotKey: `q-${++slot}`, trigger: 'test', force },
    );
    clock = new Date(clock.getTime() + 60_000);
    return releaseDraft(deps, made.draft!.id, { by: 'editor' });
  }

  /** What `correct` would print in the 勘误说明: its draft's lines (the draft is discarded). */
  async function correctLines(issueId: string) {
    const made = await correctIssue(deps, issueId, { by: 'editor' });
    await discardDraft(deps, made.draft!.id, { by: 'editor', reason: 'test' });
    return made.draft!.corrections!;
  }

  beforeAll(async () => {
    renderer = createTinyRenderer();
    stores = await startTestStores({ renderer });
    await seedRealData(stores.services);
    deps = lifecycleDepsOf(publishDeps(stores.services, renderer, join(stores.dir, 'work')));
    deps.now = () => clock;
  }, 120_000);

  afterAll(async () => {
    await stores?.stop();
  });

  it('lists a growth-only revision (yoy moves, value the same) wherever the issue printed it', async () => {
    // Prepare: issue 551 printed the national GDP growth.
    const issue = await release(false);
    expect(issue.id).toBe('torch-bulletin-551');
    const gdp = await current('national-htz', 'gdp', issue.period!);
    expect(gdp.yoy).toBeDefined();
    const printed = (await deps.catalog.printedOf(issue.id)).find(
      (p) => p.key === `national-htz#gdp#${issue.period}`,
    )!;
    expect(printed.measures).toContain('growth');
    expect(await correctionQueue(deps, SERIES)).toEqual([]);

    // Act: the growth rate is revised by 0.1 point; the value stays.
    const yoy = Math.round((gdp.yoy! + 0.1) * 10) / 10;
    await revise(gdp, { yoy, source: '国家统计局修订公报（增速）' });

    // Assess: one growth line, old → new as printed; correct prints the same line.
    const queue = await correctionQueue(deps, SERIES);
    expect(queue.map((e) => e.issueId)).toEqual(['torch-bulletin-551']);
    expect(queue[0]!.changes).toEqual([
      expect.objectContaining({
        zone: 'national-htz',
        indicator: 'gdp',
        aspect: 'growth',
        oldText: `${gdp.yoy}%`,
        newText: `${yoy}%`,
        source: '国家统计局修订公报（增速）',
      }),
    ]);
    expect(await correctLines(issue.id)).toEqual(queue[0]!.changes);
  }, 180_000);

  it('lists a qualifier-only revision and a precision-only revision of a printed value', async () => {
    // Prepare: a figure issue 551 printed as its record's own text, with no qualifier.
    const printed = (await deps.catalog.printedOf('torch-bulletin-551')).filter(
      (p) => p.text && p.measures?.includes('value') && !/[约近超余多突]/.test(p.text),
    );
    let target: IndicatorRecord | undefined;
    for (const p of printed) {
      const [zone, indicator, period] = p.key.split('#') as [string, string, string];
      const r = await current(zone, indicator, period);
      if (!r.qualifier && r.reportedValue && r.reportedUnit) {
        target = r;
        break;
      }
    }
    expect(target).toBeDefined();
    const r = target!;
    const before = (await correctionQueue(deps, SERIES))[0]!.changes.length;

    // Act: the source now says 约 before the same number.
    await revise(r, { qualifier: '约' });

    // Assess: a qualifier line for that record, the number unchanged.
    const queue = await correctionQueue(deps, SERIES);
    const lines = queue[0]!.changes.filter((l) => l.zone === r.zone && l.indicator === r.indicator);
    expect(lines).toEqual([
      expect.objectContaining({ aspect: 'qualifier', newText: expect.stringMatching(/^约/) }),
    ]);
    expect(lines[0]!.oldValue).toBe(lines[0]!.newValue);
    expect(queue[0]!.changes.length).toBe(before + 1);

    // Act: the qualifier is dropped again and the number reported one digit finer (same value).
    const finer = `${r.reportedValue}${r.reportedValue!.includes('.') ? '' : '.'}0`;
    await revise(r, { qualifier: undefined, reportedValue: finer });
    const again = (await correctionQueue(deps, SERIES))[0]!.changes.filter(
      (l) => l.zone === r.zone && l.indicator === r.indicator,
    );
    expect(again).toEqual([
      expect.objectContaining({ aspect: 'precision', newText: expect.stringContaining(finer) }),
    ]);
    expect(await correctLines('torch-bulletin-551')).toEqual(
      (await correctionQueue(deps, SERIES))[0]!.changes,
    );
  }, 180_000);

  it('lists an issue a newer issue superseded; correct and the queue agree; a dismissal is kept until a new revision', async () => {
    // Prepare: a value revision of 551's national GDP, then issue 552 printing it.
    const period = (await deps.catalog.issueByTotal('torch-bulletin', 551))!.period!;
    const record = await current('national-htz', 'gdp', period);
    const value = Math.round((record.value + 321.5) * 10) / 10;
    await revise(record, {
      value,
      reportedValue: String(value),
      reportedUnit: '亿元',
      source: '国家统计局修订公报（数值）',
    });
    const newer = await release();
    expect(newer.id).toBe('torch-bulletin-552');

    // Assess: 552 prints the new figures and is not listed; 551 is, marked superseded.
    const queue = await correctionQueue(deps, SERIES);
    expect(queue.map((e) => [e.issueId, e.superseded])).toEqual([['torch-bulletin-551', true]]);
    const valueLine = queue[0]!.changes.find(
      (l) => l.zone === 'national-htz' && l.indicator === 'gdp' && l.aspect === 'value',
    );
    expect(valueLine).toMatchObject({ oldValue: record.value, newValue: value });
    expect(await changedFigures(deps, 'torch-bulletin-551')).toEqual(queue[0]!.changes);
    expect(await correctLines('torch-bulletin-551')).toEqual(queue[0]!.changes);

    // Act: the editor dismisses it with a reason.
    await expect(
      dismissCorrection(deps, 'torch-bulletin-551', { by: 'editor', reason: ' ' }),
    ).rejects.toThrow(/理由/);
    const dismissed = await dismissCorrection(deps, 'torch-bulletin-551', {
      by: '王编辑',
      reason: '已由第552期刊载修订后数据',
    });

    // Assess: kept and shown, left out of the open queue.
    expect(dismissed.dismissed).toMatchObject({
      by: '王编辑',
      reason: '已由第552期刊载修订后数据',
    });
    const listed = await correctionQueue(deps, SERIES);
    expect(listed.map((e) => [e.issueId, e.dismissed?.reason])).toEqual([
      ['torch-bulletin-551', '已由第552期刊载修订后数据'],
    ]);
    expect(await correctionQueue(deps, SERIES, { open: true })).toEqual([]);
    expect(
      (await deps.catalog.issueByTotal('torch-bulletin', 551))!.correctionDismissals,
    ).toHaveLength(1);

    // Act: a further revision of a figure 551 printed.
    const again = await current('national-htz', 'gdp', period);
    await revise(again, {
      value: value + 1,
      reportedValue: String(value + 1),
      source: '国家统计局再次修订',
    });

    // Assess: back in the open queue (552 too now), the old dismissal still on record.
    const reopened = await correctionQueue(deps, SERIES, { open: true });
    expect(reopened.map((e) => e.issueId)).toEqual(['torch-bulletin-552', 'torch-bulletin-551']);
  }, 240_000);
});
