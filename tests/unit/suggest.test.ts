import { describe, expect, it } from 'vitest';
import { closestNames, didYouMean } from '../../functions/core/suggest.ts';
import { referenceData } from '../../functions/app/reference-data.ts';

describe('closest names', () => {
  const ref = referenceData();
  const zones = ref.zones
    .filter((z) => z.level !== 'aggregate')
    .map((z) => ({
      label: `${z.name} (${z.id})`,
      names: [z.id, z.name, z.shortName ?? '', ...(z.aliases ?? [])],
    }));

  it('suggests the zone whose name contains what was typed', () => {
    const [first] = closestNames('成都', zones);
    expect(first).toMatch(/^成都高新/);
  });

  it('suggests across a typo in a latin id', () => {
    const chengdu = zones.find((z) => z.label.startsWith('成都高新'))!;
    const id = chengdu.label.replace(/^.*\((.*)\)$/, '$1');
    const typo = id.slice(0, -1) + (id.endsWith('x') ? 'y' : 'x');
    expect(closestNames(typo, zones)).toContain(chengdu.label);
  });

  it('suggests nothing for a name like no other', () => {
    expect(closestNames('完全不相干的名字ABCDEFG', zones)).toEqual([]);
    expect(didYouMean('', zones)).toBe('');
  });
});
