/**
 * Progress for long work: a bar with rate and ETA on a terminal, a line every few seconds
 * otherwise (CI logs).
 */
import cliProgress from 'cli-progress';

export interface ProgressReporter {
  update(done: number, total: number): void;
  stop(): void;
}

export function progressReporter(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressReporter {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} {percentage}% | {rate}/s | ETA {eta_formatted}`,
        stream,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    const t0 = Date.now();
    return {
      update(done, total) {
        if (!started) {
          bar.start(total, 0, { rate: '0' });
          started = true;
        }
        const rate = (done / Math.max((Date.now() - t0) / 1000, 0.001)).toFixed(0);
        bar.update(done, { rate });
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let last = 0;
  return {
    update(done, total) {
      const now = Date.now();
      if (done === total || now - last > 2000) {
        last = now;
        stream.write(`${label}: ${done}/${total}\n`);
      }
    },
    stop() {},
  };
}
