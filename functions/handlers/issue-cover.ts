/**
 * Lambda: makes a released issue's cover (page 1 as PNG) on its first request. The API, which
 * has no browser, invokes it synchronously with the issue's id (`adapters/lambda/
 * cover-function.ts`); it loads the issue's stored cover source, captures page 1 in Chromium,
 * stores the PNG under `covers/` and records it in the catalog once (`app/issue-cover.ts`). An
 * issue not released (an embargo before its second has no catalog entry), without a cover
 * source, or whose cover is made already, is left as it is: nothing is printed ahead of a release.
 */
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { makeIssueCover } from '../app/issue-cover.ts';
import { makesCovers } from '../app/ports.ts';
import { parseOrReject } from '../app/requests.ts';
import { invocation, renderWorkDir, runtimeServices } from './runtime.ts';

export const coverJobSchema = z.strictObject({
  issueId: z.string().regex(/^[a-z0-9-]{1,120}$/, '应为期号 (issue id)'),
});

/** What the function answers: the cover's key once recorded (another request's, maybe). */
export interface CoverOutcome {
  issueId: string;
  cover?: string;
}

export async function handler(event: unknown, context?: Context): Promise<CoverOutcome> {
  return invocation('issue-cover', context, async () => {
    const { issueId } = parseOrReject(coverJobSchema, event, '封面任务 (cover job)');
    const s = runtimeServices();
    if (!makesCovers(s.renderer)) throw new ConfigError('此函数的渲染器不能生成封面');
    const issue = await s.catalog.get(issueId);
    const now = issue
      ? await makeIssueCover(
          {
            archive: s.archive,
            catalog: s.catalog,
            renderer: s.renderer,
            workDir: renderWorkDir(),
          },
          issue,
        )
      : undefined;
    const png = now?.status === 'published' ? now.coverKeys?.png : undefined;
    return { issueId, ...(png ? { cover: png } : {}) };
  });
}
