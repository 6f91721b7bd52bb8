/**
 * Progress for long work: a bar with rate and ETA on a terminal, a line every few seconds
 * otherwise (CI logs).
 *
 * The bar tells the truth: work that was settled before any of it started (zones skipped as
 * unchanged or without data) is shown apart, not counted as done at once; the rate and the ETA
 * come from the items actually worked on since the first update (ingest: rows per second).
 * Ctrl-C while a bar is drawn restores the terminal (cursor, line wrap) before the signal takes
 * its course — unless the caller handles Ctrl-C itself (`handlesInterrupt`: the batch stops
 * cleanly and calls `stop()`); the terminal is restored at exit in any case.
 */
import cliProgress from 'cli-progress';

export interface ProgressCounts {
  /** Items settled without work (skipped at planning). */
  skipped?: number;
  /**
   * Of the skipped items, those with nothing to do (the batch: zones without data): given, the
   * counts read 未变 (the rest of the skipped) and 无数据 apart, as the batch's summary does.
   */
  noData?: number;
  /** Items that failed. */
  failed?: number;
  /**
   * What happens meanwhile that the counts do not show (the batch: prints made again, failed
   * attempts retried, the browser lost), after the figures.
   */
  detail?: string;
}

export interface ProgressReporter {
  update(done: number, total: number, counts?: ProgressCounts): void;
  /** A short status after the figures (a terminal: on the bar; otherwise: a line). */
  note(text: string): void;
  /** Ends the bar and gives the terminal back (cursor shown, line wrap on). */
  stop(): void;
}

export interface ProgressOptions {
  /** The caller handles SIGINT (and calls `stop()`): the reporter does not re-raise it. */
  handlesInterrupt?: boolean;
}

/** `1.8`, `0.4`, `12` (per second): rates people can read. */
function formatRate(perSecond: number): string {
  return perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(1);
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)} 分 ${String(s % 60).padStart(2, '0')} 秒` : `${s} 秒`;
}

export function progressReporter(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
  options: ProgressOptions = {},
): ProgressReporter {
  // A first update with counts tells what was settled before the work began (the batch's plan):
  // the bar counts the rest. Without counts (ingest) every item is work.
  let settled: number | undefined;
  // The rate counts from the first update: items done before it took a time nobody measured.
  let base: { done: number; at: number } | undefined;
  const measure = (done: number, total: number, counts: ProgressCounts = {}) => {
    settled ??= counts.skipped !== undefined ? done : 0;
    base ??= { done, at: Date.now() };
    const worked = done - settled;
    const toDo = total - settled;
    const elapsed = Math.max((Date.now() - base.at) / 1000, 0.001);
    const measured = done - base.done;
    const rate = measured / elapsed;
    return {
      worked,
      toDo,
      rate: measured > 0 ? `每秒 ${formatRate(rate)}` : '—',
      eta: measured > 0 ? formatEta((toDo - worked) / rate) : '—',
      /** 跳过 3 · 失败 0, or with zones without data apart: 未变 1 · 无数据 2 · 失败 0. */
      counted: (sep: string) =>
        (counts.noData !== undefined
          ? `未变 ${(counts.skipped ?? 0) - counts.noData}${sep}无数据 ${counts.noData}`
          : `跳过 ${counts.skipped ?? 0}`) + `${sep}失败 ${counts.failed ?? 0}`,
      detail: counts.detail ? ` | ${counts.detail}` : '',
    };
  };

  if (stream.isTTY) {
    // Skipped and failed are shown when the work reports them (the batch; not ingest).
    const barFor = (counts: boolean) =>
      new cliProgress.SingleBar(
        {
          format:
            `${label} [{bar}] {value}/{total}` +
            (counts ? ' | {counted}' : '') +
            ' | {rate} | 预计剩余 {etaText}{detail}{note}',
          stream,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
    let bar: cliProgress.SingleBar | undefined;
    let drawing = false;
    let note = '';
    const restore = () => {
      if (drawing) bar?.stop();
      drawing = false;
    };
    // Ctrl-C: give the terminal back (cursor shown, line wrap on), then let the signal act.
    const onSignal = (signal: NodeJS.Signals) => {
      restore();
      process.off('SIGINT', onSignal);
      process.kill(process.pid, signal);
    };
    return {
      update(done, total, counts) {
        const m = measure(done, total, counts);
        const payload = {
          counted: m.counted(' · '),
          rate: m.rate,
          etaText: m.eta,
          detail: m.detail,
          note,
        };
        bar ??= barFor(counts !== undefined);
        if (!drawing) {
          bar.start(Math.max(m.toDo, 0), 0, payload);
          drawing = true;
          if (!options.handlesInterrupt) process.on('SIGINT', onSignal);
          process.once('exit', restore);
        }
        bar.setTotal(Math.max(m.toDo, 0));
        bar.update(m.worked, payload);
      },
      note(text) {
        note = ` | ${text}`;
        if (drawing) bar?.update({ note });
        else stream.write(`${text}\n`);
      },
      stop() {
        restore();
        process.off('SIGINT', onSignal);
      },
    };
  }
  // A log gets a line every 2 s, the last one, and the first with work done: a fast batch can
  // finish most of its work within the first 2 s, and the log should show when work began to land.
  let last = 0;
  let workShown = false;
  return {
    update(done, total, counts) {
      const now = Date.now();
      const m = measure(done, total, counts);
      const firstWork = !workShown && m.worked > 0;
      if (done === total || now - last > 2000 || firstWork) {
        last = now;
        workShown ||= m.worked > 0;
        stream.write(
          `${label}：${m.worked}/${m.toDo}` +
            (counts ? `（${m.counted('，')}）` : '') +
            (m.rate !== '—' ? `，${m.rate}，预计剩余 ${m.eta}` : '') +
            (counts?.detail ? `；${counts.detail}` : '') +
            '\n',
        );
      }
    },
    note(text) {
      stream.write(`${text}\n`);
    },
    stop() {},
  };
}
