/**
 * Progress for long work: a bar with rate and ETA on a terminal, a line every few seconds
 * otherwise (CI logs).
 *
 * The bar tells the truth: work that was settled before any of it started (zones skipped as
 * unchanged or without data) is shown apart, not counted as done at once; the rate and the ETA
 * come from the items actually worked on since the work began. Ctrl-C while a bar is drawn
 * restores the terminal (cursor, line wrap) before the signal takes its course.
 */
import cliProgress from 'cli-progress';

export interface ProgressCounts {
  /** Items settled without work (skipped at planning). */
  skipped?: number;
  /** Items that failed. */
  failed?: number;
}

export interface ProgressReporter {
  update(done: number, total: number, counts?: ProgressCounts): void;
  stop(): void;
}

/** `1.8/s`, `0.4/s`, `12/s`: rates people can read. */
function formatRate(perSecond: number): string {
  return perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(1);
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function progressReporter(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressReporter {
  // A first update with counts tells what was settled before the work began (the batch's plan):
  // the bar counts the rest. Without counts (ingest) every item is work.
  let settled: number | undefined;
  let startedAt = 0;
  const measure = (done: number, total: number, counts: ProgressCounts = {}) => {
    settled ??= counts.skipped !== undefined ? done : 0;
    startedAt ||= Date.now();
    const worked = done - settled;
    const toDo = total - settled;
    const elapsed = Math.max((Date.now() - startedAt) / 1000, 0.001);
    const rate = worked / elapsed;
    return {
      worked,
      toDo,
      rate: worked > 0 ? `${formatRate(rate)}/s` : '—',
      eta: worked > 0 ? formatEta((toDo - worked) / rate) : '—',
      skipped: counts.skipped ?? 0,
      failed: counts.failed ?? 0,
    };
  };

  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} | 跳过 {skipped} · 失败 {failed} | {rate} | ETA {etaText}`,
        stream,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    let drawing = false;
    const restore = () => {
      if (drawing) bar.stop();
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
        const payload = { skipped: m.skipped, failed: m.failed, rate: m.rate, etaText: m.eta };
        if (!drawing) {
          bar.start(Math.max(m.toDo, 0), 0, payload);
          drawing = true;
          process.on('SIGINT', onSignal);
          process.once('exit', restore);
        }
        bar.setTotal(Math.max(m.toDo, 0));
        bar.update(m.worked, payload);
      },
      stop() {
        restore();
        process.off('SIGINT', onSignal);
      },
    };
  }
  let last = 0;
  return {
    update(done, total, counts) {
      const now = Date.now();
      const m = measure(done, total, counts);
      if (done === total || now - last > 2000) {
        last = now;
        stream.write(
          `${label}: ${m.worked}/${m.toDo}` +
            (counts ? ` (跳过 ${m.skipped}, 失败 ${m.failed})` : '') +
            (m.worked > 0 ? `, ${m.rate}, ETA ${m.eta}` : '') +
            '\n',
        );
      }
    },
    stop() {},
  };
}
