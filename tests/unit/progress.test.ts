import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressReporter } from '../../functions/cli/progress.ts';

describe('progress lines (no terminal)', () => {
  it('counts the work done since it began, apart from what was settled at planning', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += String(d)));
    const progress = progressReporter('zone profiles', out as unknown as NodeJS.WriteStream);
    // 158 of 178 zones settled at planning (unchanged or without data): 20 left to render.
    progress.update(158, 178, { skipped: 158, failed: 0 });
    progress.update(178, 178, { skipped: 158, failed: 1 });
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('zone profiles：0/20（跳过 158，失败 0）');
    expect(lines.at(-1)).toMatch(
      /^zone profiles：20\/20（跳过 158，失败 1），每秒 [\d.]+，预计剩余 0 秒$/,
    );
  });

  it('writes a line when the first work lands, then one every 2 s (a fast batch is not silent)', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += String(d)));
    const progress = progressReporter('zone profiles', out as unknown as NodeJS.WriteStream);
    progress.update(9, 24, { skipped: 9, failed: 0 });
    progress.update(10, 24, { skipped: 9, failed: 0 });
    progress.update(11, 24, { skipped: 9, failed: 0 });
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('zone profiles：0/15（跳过 9，失败 0）');
    expect(lines[1]).toMatch(/^zone profiles：1\/15（跳过 9，失败 0），每秒 [\d.]+，预计剩余 /);
  });
});

describe('progress of the all-zones batch', () => {
  it('reads the unchanged zones and the zones without data apart, as the summary does', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += String(d)));
    const progress = progressReporter('zone profiles', out as unknown as NodeJS.WriteStream);
    progress.update(176, 178, { skipped: 176, noData: 175, failed: 0 });
    progress.update(178, 178, { skipped: 176, noData: 175, failed: 0 });
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('zone profiles：0/2（未变 1，无数据 175，失败 0）');
    expect(lines.at(-1)).toMatch(/^zone profiles：2\/2（未变 1，无数据 175，失败 0），每秒 /);
  });
});

describe('progress detail', () => {
  it('tells what happens between outcomes after the figures', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += String(d)));
    const progress = progressReporter('zone profiles', out as unknown as NodeJS.WriteStream);
    progress.update(0, 178, { skipped: 0, failed: 0, detail: '已印 12 次（重印 9） · 重试 1' });
    expect(text.trim()).toBe(
      'zone profiles：0/178（跳过 0，失败 0）；已印 12 次（重印 9） · 重试 1',
    );
  });
});

describe('progress bar (a terminal)', () => {
  /** A stream that says it is a terminal, and what was written to it. */
  const terminal = () => {
    const out = new PassThrough() as PassThrough & { isTTY: boolean; columns: number };
    out.isTTY = true;
    out.columns = 160;
    const written = { text: '' };
    out.on('data', (d) => (written.text += String(d)));
    return { stream: out as unknown as NodeJS.WriteStream, written };
  };

  it('hides the cursor and turns line wrap off while drawing, and gives both back at stop()', () => {
    const { stream, written } = terminal();
    const listeners = process.listenerCount('SIGINT');
    const progress = progressReporter('zone profiles', stream);

    progress.update(9, 24, { skipped: 9, failed: 0 });
    const drawing = process.listenerCount('SIGINT');
    progress.update(10, 24, { skipped: 9, failed: 0 });
    progress.stop();

    expect(written.text).toContain('\x1b[?25l'); // cursor hidden
    expect(written.text).toContain('\x1b[?7l'); // line wrap off
    expect(written.text.lastIndexOf('\x1b[?25h')).toBeGreaterThan(
      written.text.lastIndexOf('\x1b[?25l'),
    );
    expect(written.text.lastIndexOf('\x1b[?7h')).toBeGreaterThan(
      written.text.lastIndexOf('\x1b[?7l'),
    );
    // Its own Ctrl-C handler (restore, then the signal's default) while drawing, not after.
    expect(drawing).toBe(listeners + 1);
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  });

  it('leaves Ctrl-C to a caller that handles it, and shows its note on the bar', () => {
    const { stream, written } = terminal();
    const listeners = process.listenerCount('SIGINT');
    const progress = progressReporter('zone profiles', stream, { handlesInterrupt: true });

    progress.update(9, 24, { skipped: 9, failed: 0 });
    progress.note('Ctrl-C：不再开始新的园区');
    progress.update(10, 24, { skipped: 9, failed: 0 });
    const drawing = process.listenerCount('SIGINT');
    progress.stop();

    expect(drawing).toBe(listeners);
    expect(written.text).toMatch(/1\/15 \| 跳过 9 · 失败 0 \| .* \| Ctrl-C：不再开始新的园区/);
    expect(written.text.lastIndexOf('\x1b[?25h')).toBeGreaterThan(
      written.text.lastIndexOf('\x1b[?25l'),
    );
  });

  it('shows what happens between outcomes on the bar, before a note', () => {
    const { stream, written } = terminal();
    const progress = progressReporter('zone profiles', stream, { handlesInterrupt: true });

    progress.update(0, 178, { skipped: 0, failed: 0, detail: '已印 40 次（重印 38） · 重试 1' });
    progress.note('Ctrl-C：不再开始新的园区');
    progress.stop();

    expect(written.text).toMatch(
      /0\/178 \| 跳过 0 · 失败 0 \| .* \| 已印 40 次（重印 38） · 重试 1 \| Ctrl-C：不再开始新的园区/,
    );
  });

  it('shows rows and their rate for work without skipped or failed counts (ingest)', () => {
    const { stream, written } = terminal();
    const progress = progressReporter('ingest', stream);

    progress.update(22, 149);
    progress.update(149, 149);
    progress.stop();

    expect(written.text).toMatch(/ingest \[.*\] 149\/149 \| 每秒 [\d.]+ \| 预计剩余 0 秒/);
    expect(written.text).not.toMatch(/跳过/);
  });
});
