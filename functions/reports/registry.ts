/**
 * Every report kind, by id: publish, preview, the batch, the API, the Lambdas, the schedules
 * and the CLI read kinds from here. Adding a kind: its module in this folder, its template in
 * `templates/<kind>/`, its id in `functions/contract/kinds.ts` (the list the CDK stack and the
 * request schemas know) and one line below.
 */
import type { ReportKind } from '../contract/kinds.ts';
import { NotFoundError } from '../errors.ts';
import { indicatorFlash } from './indicator-flash.ts';
import type { ReportKindModule } from './kind.ts';
import { regionalReport } from './regional-report.ts';
import { torchBulletin } from './torch-bulletin.ts';
import { zoneProfile } from './zone-profile.ts';

export const REPORT_KIND_MODULES: { readonly [K in ReportKind]: ReportKindModule } = {
  'torch-bulletin': torchBulletin as ReportKindModule,
  'zone-profile': zoneProfile as ReportKindModule,
  'regional-report': regionalReport as ReportKindModule,
  'indicator-flash': indicatorFlash as ReportKindModule,
};

/**
 * The module of a kind.
 * @throws NotFoundError for a kind the registry does not know.
 */
export function reportKind(id: string): ReportKindModule {
  const kind = (REPORT_KIND_MODULES as Record<string, ReportKindModule | undefined>)[id];
  if (!kind || !Object.hasOwn(REPORT_KIND_MODULES, id))
    throw new NotFoundError('reports', `未知的报告类型“${id}”`);
  return kind;
}
