/**
 * The report kinds the product knows and the catalog series each publishes in. Plain data, no
 * imports (part of the contract `infra/` may import). The runtime registry
 * (`functions/reports/registry.ts`) has one module per id listed here; a test keeps both lists
 * equal.
 */
export const REPORT_KINDS = [
  'torch-bulletin',
  'zone-profile',
  'regional-report',
  'indicator-flash',
] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** The catalog series a kind publishes in when a request names none. */
export const SERIES_OF_KIND: Readonly<Record<ReportKind, string>> = {
  'torch-bulletin': 'torch-bulletin',
  'zone-profile': 'zone-profile',
  'regional-report': 'regional-report',
  'indicator-flash': 'indicator-flash',
};

/**
 * Kinds that can also run as one batch over every national zone (`"allZones": true` in a
 * schedule; on AWS the Step Functions fan-out, locally `runZoneBatch`).
 */
export const ALL_ZONES_KINDS: readonly ReportKind[] = ['zone-profile'];

export function isReportKind(value: unknown): value is ReportKind {
  return typeof value === 'string' && (REPORT_KINDS as readonly string[]).includes(value);
}

/**
 * Bounds of the request parameters: one set for the API, the Lambdas, the CLI, the local
 * server and the schedules.
 */
export const REQUEST_LIMITS = {
  /** A zone id, name or alias (`zhongguancun`, `东湖高新区`). */
  zoneMaxLength: 80,
  /**
   * The characters of a zone or region name: letters of any script, digits, space, `-`, `_`,
   * `·` and brackets, starting with a letter or digit (no path or markup characters).
   */
  namePattern: /^[\p{L}\p{N}][\p{L}\p{N} _·()（）-]*$/u,
  /** A province, city, 东部/中部/西部/东北 or an alliance (`长三角`). */
  regionMaxLength: 64,
  /** A catalog series id. */
  seriesPattern: /^[a-z0-9][a-z0-9-]{1,62}$/,
  /** `2024`, `2024-Q3`, `2024-10` (years 1949–2100, checked apart). */
  periodPattern: /^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$/,
  /** A caller's idempotency key of an on-demand request. */
  requestIdPattern: /^[A-Za-z0-9_.:-]{1,100}$/,
  /** The catalog's slot key (`api:…`, `schedule:…`, `cli:…`, `invoke:…`, batch keys). */
  slotKeyMaxLength: 300,
} as const;
