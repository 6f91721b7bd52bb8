/** The identity of one indicator observation: which zone, which indicator, which period. */
export interface RecordKey {
  zone: string;
  indicator: string;
  period: string;
}

/**
 * The one string form of a {@link RecordKey}, used as map key and as the DynamoDB sort key.
 * @example recordKey({ zone: 'zgc', indicator: 'revenue', period: '2024' }) // 'zgc#revenue#2024'
 */
export function recordKey(k: RecordKey): string {
  return `${k.zone}#${k.indicator}#${k.period}`;
}
