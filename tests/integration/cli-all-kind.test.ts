/**
 * `generate --all` is a batch over every national zone, which only the zone profile has. With
 * another kind (the default is the bulletin) it is refused before any store starts, naming the
 * option (before: the option was dropped, one bulletin was made and nothing was said).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkAllZonesKind, checkBatchOnlyOptions } from '#cli/commands/generate.ts';
import { ValidationError } from '#errors';
import { useCliState } from '#tests/support/cli-state.ts';

describe('generate --all with a kind that has no all-zones batch', () => {
  const { cli, stateDir } = useCliState('cli-all-');

  it('is refused for every kind but the zone profile', () => {
    expect(() => checkAllZonesKind('zone-profile')).not.toThrow();
    for (const kind of ['torch-bulletin', 'regional-report', 'indicator-flash'] as const) {
      expect(() => checkAllZonesKind(kind)).toThrow(ValidationError);
    }
  });

  it('the CLI exits 2 naming --all and the kind that has it, and stores nothing', async () => {
    const bare = await cli('generate', '--all');
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(
      /位置 --kind torch-bulletin 字段 --all：--all 只用于 zone-profile.*请加 --kind zone-profile/,
    );
    const flash = await cli('generate', '--kind', 'indicator-flash', '--all');
    expect(flash.code).toBe(2);
    expect(flash.stderr).toMatch(/不适用于 indicator-flash/);
    expect(existsSync(stateDir())).toBe(false);
  });

  it('--pages and --synthetic without --all are refused, naming the option (they were dropped)', async () => {
    expect(() => checkBatchOnlyOptions({})).not.toThrow();
    expect(() => checkBatchOnlyOptions({ all: true, pages: 3, synthetic: true })).not.toThrow();
    expect(() => checkBatchOnlyOptions({ pages: 3 })).toThrow(/--pages 只与 --all 一起使用/);
    expect(() => checkBatchOnlyOptions({ synthetic: true })).toThrow(/--synthetic 只与 --all/);
    const pages = await cli(
      'generate',
      '--kind',
      'zone-profile',
      '--zone',
      '东湖高新区',
      '--pages',
      '3',
    );
    expect(pages.code).toBe(2);
    expect(pages.stderr).toMatch(/字段 --pages：--pages 只与 --all 一起使用/);
    const synthetic = await cli('generate', '--synthetic');
    expect(synthetic.code).toBe(2);
    expect(synthetic.stderr).toMatch(/字段 --synthetic：--synthetic 只与 --all 一起使用/);
    expect(existsSync(stateDir())).toBe(false);
  });
});
