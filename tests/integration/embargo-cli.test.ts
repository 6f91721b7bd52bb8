/**
 * Issue 24.2 on the command line (the sources, through bin/bulletin.mjs, against the embedded
 * stores of a state folder of its own): `release --at` refuses a time in the past (exit 2) and
 * a time without its offset (exit 2); an embargo fires without `bulletin serve` — the next
 * command that opens the stores (here `list`, which reads the catalog alone) releases it first
 * and says so, in Chinese.
 */
import { describe, expect, it } from 'vitest';
import { useCliState } from '#tests/support/cli-state.ts';

describe('embargoes on the command line', { timeout: 600_000 }, () => {
  const { cli, loadAndDraft } = useCliState('bulletin-embargo-cli-');

  it('refuses a past or offset-less --at, and the next command releases a due embargo', async () => {
    const draftId = await loadAndDraft();

    const past = await cli('release', draftId, '--at', '2025-12-06T11:00+08:00');
    expect(past.code).toBe(2);
    expect(past.stderr).toContain('发布时间 2025-12-06 11:00:00 北京时间 已经过去');
    expect(past.stderr).toContain('--now');
    const bare = await cli('release', draftId, '--at', '2027-01-01T09:30');
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('须带 +08:00 或 Z 等时区');
    const startedDrafts = Date.now();
    expect((await cli('drafts')).stdout).toMatch(new RegExp(`^${draftId}\\t待审\\t`, 'm'));
    // A command that opens the stores took this long here: the embargo is set three such
    // commands ahead (whole seconds), so that `release` starts before it on this machine, however
    // slow; if it still came too late, it is refused as past and set again, further ahead.
    const command = Date.now() - startedDrafts;
    let at: Date;
    let scheduled: Awaited<ReturnType<typeof cli>>;
    for (let lead = Math.max(5_000, 3 * command); ; lead *= 2) {
      at = new Date(Math.ceil((Date.now() + lead) / 1000) * 1000);
      const atText = new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 19) + '+08:00';
      scheduled = await cli('release', draftId, '--at', atText);
      if (!(scheduled.code === 2 && scheduled.stderr.includes('已经过去'))) break;
    }
    expect(scheduled.code, scheduled.stderr).toBe(0);
    expect(scheduled.stdout).toContain(`稿件 ${draftId} 将于`);

    while (Date.now() <= at.getTime()) await new Promise((r) => setTimeout(r, 250));
    // `list` reads the catalog alone; with an embargo due it releases it first, and says so.
    const next = await cli('list', '--series', 'indicator-flash', '--json');
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(
      /定时发布已到期，已先行发布 indicator-flash-\d+（\d{4}年第\d+期，总第\d+期）：比预定时间晚 \d+/,
    );
    const listed = JSON.parse(next.stdout) as { draftId?: string; plannedAt?: string }[];
    const issue = listed.find((i) => i.draftId === draftId);
    // JSON keeps the instant, with Beijing's offset.
    expect(issue?.plannedAt).toMatch(/\+08:00$/);
    expect(Date.parse(issue!.plannedAt!)).toBe(at.getTime());
    const after = await cli('drafts');
    expect(after.stdout).not.toContain(draftId);
    expect(after.stderr).not.toContain('定时发布已到期');
  });
});
