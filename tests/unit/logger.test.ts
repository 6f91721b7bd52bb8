import { describe, expect, it } from 'vitest';
import { createLogger } from '../../functions/wiring/logger.ts';

describe('logger', () => {
  it('prints one readable, timestamped line per call in a terminal', () => {
    const lines: string[] = [];
    const logger = createLogger({ serviceName: 't', pretty: true, write: (l) => lines.push(l) });
    logger.info('schedule monthly-bulletin fired', { slot: 'schedule:x' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} 北京时间 信息 schedule monthly-bulletin fired \{"slot":"schedule:x"\}\n$/,
    );
  });

  it('prints no empty `{}` for a message without extra keys', () => {
    const lines: string[] = [];
    const logger = createLogger({ serviceName: 't', pretty: true, write: (l) => lines.push(l) });
    logger.info('loading 6 files from data/ …');
    expect(lines[0]).toMatch(/ 北京时间 信息 loading 6 files from data\/ …\n$/);
  });
});
