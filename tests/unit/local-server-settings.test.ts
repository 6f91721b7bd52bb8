/** The local server's settings: a bearer token shorter than 32 characters is refused. */
import { describe, expect, it } from 'vitest';
import { loadLocalServerSettings, MIN_API_TOKEN_CHARS } from '../../functions/config.ts';
import { ConfigError } from '../../functions/errors.ts';

describe('local server settings', () => {
  it('refuses a short BULLETIN_LOCAL_API_TOKEN, naming the variable and the minimum', () => {
    for (const token of ['x', 'a'.repeat(MIN_API_TOKEN_CHARS - 1)]) {
      expect(() => loadLocalServerSettings({ BULLETIN_LOCAL_API_TOKEN: token })).toThrow(
        ConfigError,
      );
      expect(() => loadLocalServerSettings({ BULLETIN_LOCAL_API_TOKEN: token })).toThrow(
        /BULLETIN_LOCAL_API_TOKEN: 令牌太短：至少 32 个字符/,
      );
    }
  });

  it('accepts a token of 32 characters or more, and none (a random one is made)', () => {
    const token = 'k'.repeat(MIN_API_TOKEN_CHARS);
    expect(loadLocalServerSettings({ BULLETIN_LOCAL_API_TOKEN: token }).apiToken).toBe(token);
    expect(loadLocalServerSettings({}).apiToken).toBeUndefined();
    expect(MIN_API_TOKEN_CHARS).toBeGreaterThanOrEqual(32);
  });
});
