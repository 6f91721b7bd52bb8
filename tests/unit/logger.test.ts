import { describe, expect, it } from 'vitest';
import { createLogger } from '../../functions/wiring/logger.ts';

describe('logger', () => {
  it('prints one readable, timestamped line per call in a terminal', () => {
    const lines: string[] = [];
    const logger = createLogger({ serviceName: 't', pretty: true, write: (l) => lines.push(l) });
    logger.info('schedule monthly-bulletin fired', { slot: 'schedule:x' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} INFO {2}schedule monthly-bulletin fired \{"slot":"schedule:x"\}\n$/,
    );
  });
});
