/**
 * Reference data (zones, indicators, series) and name resolution: analysts may write a
 * zone or an indicator by id, by its Chinese name, short name or a listed alias.
 */
import { z } from 'zod';
import {
  indicatorSchema,
  seriesSchema,
  zoneSchema,
  type Indicator,
  type Series,
  type Zone,
} from './model.ts';

export interface Reference {
  zones: Zone[];
  indicators: Indicator[];
  series: Series[];
  zone(id: string): Zone | undefined;
  indicator(code: string): Indicator | undefined;
  /** Finds a zone by id, name, short name or alias (whitespace-insensitive). */
  resolveZone(text: string): Zone | undefined;
  resolveIndicator(text: string): Indicator | undefined;
  seriesById(id: string): Series | undefined;
}

const norm = (s: string) => s.normalize('NFKC').replace(/\s+/g, '').toLowerCase();

/**
 * Validates raw reference data and builds the lookups.
 * @throws Error naming the file and entry when an entry is malformed or a name is ambiguous.
 */
export function buildReference(raw: {
  zones: unknown;
  indicators: unknown;
  series: unknown[];
}): Reference {
  const zones = parseList('data/zones.json', z.array(zoneSchema), raw.zones);
  const indicators = parseList('data/indicators.json', z.array(indicatorSchema), raw.indicators);
  const series = raw.series.map((s, i) => parseList(`data/series[${i}]`, seriesSchema, s));

  const zoneById = new Map(zones.map((zn) => [zn.id, zn]));
  const indicatorByCode = new Map(indicators.map((ind) => [ind.code, ind]));
  const zoneByName = nameIndex('园区', zones, (zn) => [
    zn.id,
    zn.name,
    zn.shortName,
    ...zn.aliases,
  ]);
  const indicatorByName = nameIndex('指标', indicators, (ind) => [
    ind.code,
    ind.name,
    ...ind.aliases,
  ]);

  return {
    zones,
    indicators,
    series,
    zone: (id) => zoneById.get(id),
    indicator: (code) => indicatorByCode.get(code),
    resolveZone: (text) => zoneByName.get(norm(text)),
    resolveIndicator: (text) => indicatorByName.get(norm(text)),
    seriesById: (id) => series.find((s) => s.id === id),
  };
}

function parseList<T>(file: string, schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(`${file}: ${first?.path.join('.')}: ${first?.message}`);
  }
  return parsed.data;
}

function nameIndex<T>(what: string, items: T[], names: (item: T) => string[]): Map<string, T> {
  const index = new Map<string, T>();
  for (const item of items) {
    for (const name of names(item)) {
      const key = norm(name);
      const other = index.get(key);
      if (other && other !== item) throw new Error(`${what}名称 "${name}" 有歧义（指向不止一项）`);
      index.set(key, item);
    }
  }
  return index;
}
