/**
 * Loading the CDK app imports no runtime machinery: every module reachable from infra/app.ts
 * (static and dynamic imports, followed through node_modules) is listed by dependency-cruiser,
 * and none of them is Chromium, puppeteer, Handlebars, ECharts or pdf-lib — `cdk synth` needs
 * the contract (functions/contract/) and handler entry paths only.
 */
import { join } from 'node:path';
import { cruise } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const RUNTIME =
  /(^|\/)node_modules\/(puppeteer|puppeteer-core|@sparticuz\/chromium|handlebars|echarts|@cantoo\/pdf-lib|pdf-lib|exceljs)\//;

describe('the CDK app', () => {
  it('never imports the renderer, the templates, the charts or the PDF library', async () => {
    const result = await cruise([join(ROOT, 'infra', 'app.ts')], {
      baseDir: ROOT,
      tsPreCompilationDeps: true,
      // Follow into packages far enough to see what they pull in.
      doNotFollow: { path: ['node_modules/aws-cdk-lib', 'node_modules/cdk-nag'] },
      exclude: { path: ['node_modules/typescript'] },
    });
    const output = result.output as { modules: { source: string }[] };
    const modules = output.modules.map((m) => m.source);
    expect(modules).toContain('infra/stack.ts');
    expect(modules.some((m) => m.startsWith('functions/contract/'))).toBe(true);
    expect(modules.filter((m) => RUNTIME.test(m))).toEqual([]);
    // Nothing of functions/ beyond the contract.
    expect(
      modules.filter((m) => m.startsWith('functions/') && !m.startsWith('functions/contract/')),
    ).toEqual([]);
  }, 120_000);
});
