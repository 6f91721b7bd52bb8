/**
 * The all-zones run's summary line (functions/cli/commands/batch.ts): counts that add up to the
 * zones, and how the unchanged zones were found unchanged.
 */
import { describe, expect, it } from 'vitest';
import { batchSummaryLine } from '../../functions/cli/commands/batch.ts';

describe('the all-zones summary line', () => {
  it('says how the unchanged zones were found so', () => {
    const line = batchSummaryLine({
      rendered: 1,
      unchanged: 176,
      noData: 1,
      failed: 0,
      unchangedBy: { data: 170, inputs: 5, printed: 1 },
    });
    expect(line).toBe(
      '园区画像 (zone profiles)：共 178 个园区，生成 1，未变（跳过）176（数据未写入 170 · 输入相同 5 · 排版后相同 1），无数据 1，失败 0',
    );
  });

  it('says nothing of how when nothing was unchanged, and counts the zones not started', () => {
    expect(
      batchSummaryLine({
        rendered: 3,
        unchanged: 0,
        noData: 0,
        failed: 1,
        notStarted: 4,
        unchangedBy: { data: 0, inputs: 0, printed: 0 },
      }),
    ).toBe(
      '园区画像 (zone profiles)：共 8 个园区，生成 3，未变（跳过）0，无数据 0，失败 1，未开始 4',
    );
  });
});
