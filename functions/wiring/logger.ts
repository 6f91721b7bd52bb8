/**
 * One structured logger for the Lambdas and the local server: Powertools Logger. On Lambda it
 * writes its JSON lines as usual; in a terminal (`bulletin serve`) the same calls print one
 * readable line each — Beijing time with the zone named, the level in Chinese, message, extra keys — so an editor
 * watching the server sees when each thing happened.
 */
import { Logger, type LogItem } from '@aws-lambda-powertools/logger';
import { formatBeijing } from '../core/time.ts';

/** The level in words a person reads on a terminal. */
const LEVEL_ZH: Record<string, string> = {
  DEBUG: '调试',
  INFO: '信息',
  WARN: '警告',
  ERROR: '错误',
  CRITICAL: '严重',
};

class TerminalLogger extends Logger {
  constructor(
    options: ConstructorParameters<typeof Logger>[0],
    private readonly write: (line: string) => void,
  ) {
    super(options);
  }

  protected override printLog(_level: number, log: LogItem): void {
    const { timestamp, level, message, service, sampling_rate, xray_trace_id, ...extra } =
      log.getAttributes() as Record<string, unknown>;
    void service;
    void sampling_rate;
    void xray_trace_id;
    const when = new Date(typeof timestamp === 'string' ? timestamp : Date.now());
    // Keys without a value (Powertools keeps some as undefined) would print as `{}`.
    const shown = Object.entries(extra).filter(([, v]) => v !== undefined);
    const rest = shown.length ? ` ${JSON.stringify(Object.fromEntries(shown))}` : '';
    this.write(
      `${formatBeijing(when, { seconds: true })} ${LEVEL_ZH[String(level)] ?? String(level)} ${String(message)}${rest}\n`,
    );
  }
}

export interface LoggerOptions {
  serviceName: string;
  /** Readable lines instead of JSON (default: when stderr is a terminal). */
  pretty?: boolean;
  write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions): Logger {
  const pretty = options.pretty ?? process.stderr.isTTY === true;
  if (!pretty) return new Logger({ serviceName: options.serviceName });
  return new TerminalLogger(
    { serviceName: options.serviceName },
    options.write ?? ((line) => process.stderr.write(line)),
  );
}
