/**
 * The cover function on AWS, as the API calls it: the API has no browser, so a released
 * issue's cover not made yet is made by invoking the cover function (`handlers/issue-cover.ts`,
 * which has Chromium) synchronously with the issue's id; it stores and records the cover, and
 * the API reads the issue again to serve what the catalog then records (`app/issue-cover.ts`).
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { RenderError, TamperedObjectError } from '../../errors.ts';
import type { CoverMaker, IssueCatalog } from '../../app/ports.ts';

/** What the API sends the cover function. */
export interface CoverJob {
  issueId: string;
}

export function lambdaCoverMaker(
  lambda: LambdaClient,
  functionName: string,
  catalog: Pick<IssueCatalog, 'get'>,
): CoverMaker {
  return async (issue) => {
    const job: CoverJob = { issueId: issue.id };
    const out = await lambda
      .send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(job)),
        }),
      )
      .catch((err: unknown) => {
        // Throttled, timed out, refused: not made this time (the next request tries again).
        throw new RenderError(
          `未能调用封面函数 (cover function) 生成 ${issue.id} 的封面：${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
      });
    if (out.FunctionError) {
      const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
      let failure: { errorType?: string; errorMessage?: string } = {};
      try {
        failure = JSON.parse(text) as typeof failure;
      } catch {
        failure = { errorMessage: text.slice(0, 300) };
      }
      const reason = failure.errorMessage ?? out.FunctionError;
      // A stored source that differs from its record is refused (502), as every part is.
      if (failure.errorType === 'TamperedObjectError')
        throw new TamperedObjectError('archive', reason);
      throw new RenderError(`封面函数 (cover function) 未能生成 ${issue.id} 的封面：${reason}`);
    }
    return catalog.get(issue.id);
  };
}
