/**
 * The editorial cycle on the command line: `drafts`, `release`, `discard`, `withdraw`,
 * `corrections`, `correct`, `runs`, `retry`, `sweep`. Each calls the same use cases as the
 * server and the Lambdas (`app/lifecycle.ts`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import {
  correctIssue,
  correctionCandidates,
  discardDraft,
  formatNumbering,
  listRuns,
  releaseDraft,
  retryRun,
  scheduleRelease,
  sweepOrphans,
  withdrawIssue,
  type LifecycleDeps,
  type TriggerResult,
} from '../../app/lifecycle.ts';
import { correctionValues } from '../../core/lifecycle.ts';
import { lifecycleDepsOf } from '../../wiring/lifecycle.ts';
import type { Services } from '../../wiring/services.ts';
import { positiveInt, type Cli } from '../context.ts';
import { operatorName } from './generate.ts';

const operator = operatorName;

/** An instant with its offset: `2026-12-01T09:30+08:00` (a bare local time is ambiguous). */
function instantArg(value: string): Date {
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(value) || Number.isNaN(Date.parse(value)))
    throw new InvalidArgumentError(
      'expected an ISO time with its offset, e.g. 2026-12-01T09:30+08:00',
    );
  return new Date(value);
}

function withLifecycle<T>(cli: Cli, fn: (deps: LifecycleDeps, s: Services) => Promise<T>) {
  return cli.withServices((s) => fn(lifecycleDepsOf(cli.publishDeps(s), { log: cli.info }), s));
}

/** Prints what a trigger did: run id and slot always (so a run can be found and retried). */
export function printTrigger(cli: Cli, r: TriggerResult): void {
  cli.info(`run ${r.run.runId} · slot ${r.run.slotKey} · ${r.outcome}`);
  console.log(r.message);
  if (r.draft && r.outcome === 'drafted')
    console.log(`draft:  ${r.draft.id} (s3://…/${r.draft.s3Key})`);
  if (r.issue) console.log(`issue:  ${r.issue.id} ${formatNumbering(r.issue)} ${r.issue.status}`);
}

export function register(program: Command, cli: Cli): void {
  program
    .command('drafts')
    .argument('[draft]', '稿件号 (draft id)：把其样稿 PDF 写入文件并给出下载链接')
    .description('待审稿件列表（或下载一份样稿 PDF）')
    .option('--json', '输出 JSON（供脚本使用）')
    .option('--out <文件>', '给出稿件号时：样稿 PDF 的保存路径')
    .action((draftId: string | undefined, opts: { json?: boolean; out?: string }) =>
      withLifecycle(cli, async (deps, s) => {
        if (draftId) {
          const draft = await deps.catalog.getDraft(draftId);
          if (!draft?.s3Key) throw new InvalidArgumentError(`no open draft ${draftId} with a PDF`);
          const bytes = await s.archive.get(draft.s3Key);
          const out = resolve(
            opts.out ??
              join(cli.root, '.local', 'out', 'drafts', draft.fileName ?? `${draft.id}.pdf`),
          );
          await mkdir(join(out, '..'), { recursive: true });
          if (bytes) await writeFile(out, bytes);
          const url = await s.archive.presignDownload(draft.s3Key, {
            fileName: draft.fileName ?? `${draft.id}.pdf`,
            ttlSeconds: s.config.presignTtlSeconds,
          });
          if (opts.json)
            console.log(JSON.stringify({ ...draft, printed: undefined, pdf: out, url }, null, 2));
          else console.log(`PDF:    ${out}\nURL:    ${url}`);
          return;
        }
        const drafts = await deps.catalog.openDrafts();
        if (opts.json) {
          console.log(
            JSON.stringify(
              drafts.map(({ printed: _p, ...d }) => d),
              null,
              2,
            ),
          );
          return;
        }
        if (!drafts.length) console.log('(no drafts awaiting review)');
        for (const d of drafts)
          console.log(
            [
              d.id,
              d.status,
              d.correctionOf ? `修订版 of ${d.correctionOf}` : d.title,
              d.period,
              d.pages ? `${d.pages}页` : '',
              d.releaseAt ? `release at ${d.releaseAt}` : '',
              d.createdAt,
            ].join('\t'),
          );
      }),
    );

  program
    .command('release')
    .argument('<draft>', '稿件号 (draft id；bulletin drafts 列出)')
    .description('发布稿件：立即（此时取下一期号），或用 --at 定时发布 (embargo)')
    .option('--at <时间>', '在此时刻发布，带时区，例如 2026-12-01T09:30+08:00', instantArg)
    .option('--by <姓名>', '发布人（记录在案）', operator())
    .action((draftId: string, opts: { at?: Date; by: string }) =>
      withLifecycle(cli, async (deps) => {
        if (opts.at && opts.at.getTime() > Date.now()) {
          const d = await scheduleRelease(deps, draftId, { at: opts.at, by: opts.by });
          console.log(
            `draft ${d.id} will be released at ${d.releaseAt} (by bulletin serve's scheduler locally, EventBridge Scheduler on AWS)`,
          );
          return;
        }
        const issue = await releaseDraft(deps, draftId, { by: opts.by });
        console.log(`released ${issue.id} ${formatNumbering(issue)} · s3://…/${issue.s3Key}`);
      }),
    );

  program
    .command('discard')
    .argument('<draft>', '稿件号 (draft id)')
    .description('弃用稿件：不占期号，删除其样稿 PDF')
    .option('--reason <原因>', '原因（记录在案）')
    .option('--by <姓名>', '弃用人（记录在案）', operator())
    .action((draftId: string, opts: { reason?: string; by: string }) =>
      withLifecycle(cli, async (deps) => {
        const d = await discardDraft(deps, draftId, {
          by: opts.by,
          ...(opts.reason ? { reason: opts.reason } : {}),
        });
        console.log(`discarded ${d.id}`);
      }),
    );

  program
    .command('withdraw')
    .argument('<issue>', '期号 (issue id)，例如 torch-bulletin-551')
    .description('撤回已发布的一期：从往期查阅页和订阅源撤下（目录中保留，期号不再使用）')
    .requiredOption('--reason <原因>', '撤回原因（必填，记录在案）')
    .option('--by <姓名>', '撤回人（记录在案）', operator())
    .action((issueId: string, opts: { reason: string; by: string }) =>
      withLifecycle(cli, async (deps) => {
        const i = await withdrawIssue(deps, issueId, opts);
        console.log(`withdrawn ${i.id} ${formatNumbering(i)}: ${i.withdrawn?.reason}`);
      }),
    );

  program
    .command('corrections')
    .description('发布后数据被修订的各期及变动内容')
    .option('--series <刊物>', '刊物 id，逗号分隔（默认：全部）')
    .option('--json', '输出 JSON（供脚本使用）')
    .action((opts: { series?: string; json?: boolean }) =>
      withLifecycle(cli, async (deps, s) => {
        const series = opts.series ? opts.series.split(',') : s.reference.series.map((x) => x.id);
        const found = await correctionCandidates(deps, series);
        if (opts.json) {
          console.log(JSON.stringify(found, null, 2));
          return;
        }
        if (!found.length) console.log('(no released issue is affected by a revised record)');
        for (const c of found) {
          console.log(
            `${c.issueId}\t${c.title}\tedition ${c.edition}\t${c.changes.length} changed figure(s)`,
          );
          for (const l of c.changes)
            console.log(
              `  ${l.printedAs}: ${correctionValues(l).old} → ${correctionValues(l).new} (revision ${l.oldRevision} → ${l.newRevision}; ${l.source})`,
            );
        }
        if (found.length)
          console.log(`make a corrected edition: bulletin correct ${found[0]!.issueId}`);
      }),
    );

  program
    .command('correct')
    .argument('<issue>', '期号 (issue id)，例如 torch-bulletin-551')
    .description('生成某期的修订版稿件：期号不变，附勘误说明（原值 → 新值）')
    .option('--by <姓名>', '提出人（记录在案）', operator())
    .action((issueId: string, opts: { by: string }) =>
      withLifecycle(cli, async (deps) =>
        printTrigger(cli, await correctIssue(deps, issueId, { by: opts.by, trigger: 'cli' })),
      ),
    );

  program
    .command('runs')
    .description('每次触发及其结果：生成稿件、未变、无数据、失败、已发布')
    .option('--limit <条数>', '显示条数', positiveInt, 30)
    .option('--json', '输出 JSON（供脚本使用）')
    .action((opts: { limit: number; json?: boolean }) =>
      withLifecycle(cli, async (deps) => {
        const runs = await listRuns(deps, { limit: opts.limit });
        if (opts.json) {
          console.log(JSON.stringify(runs, null, 2));
          return;
        }
        if (!runs.length) console.log('(no runs)');
        for (const r of runs)
          console.log(
            [
              r.runId,
              r.startedAt,
              r.state,
              r.series,
              r.slotKey,
              r.issueId ?? r.draftId ?? '',
              r.detail ?? '',
            ].join('\t'),
          );
      }),
    );

  program
    .command('retry')
    .argument('<run>', '运行号 (run id；bulletin runs 列出)')
    .description('重试失败或中断的一次运行：同一请求、同一幂等键 (slot)，接续进行')
    .action((runId: string) =>
      withLifecycle(cli, async (deps) => printTrigger(cli, await retryRun(deps, runId))),
    );

  program
    .command('sweep')
    .description('清除目录未引用的存储对象（写入后目录记录未完成的孤儿文件）')
    .option('--grace-minutes <分钟>', '不动比此更新的对象', positiveInt, 60)
    .option('--dry-run', '只列出，不删除')
    .action((opts: { graceMinutes: number; dryRun?: boolean }) =>
      withLifecycle(cli, async (deps) => {
        const r = await sweepOrphans(deps, {
          graceMs: opts.graceMinutes * 60_000,
          dryRun: opts.dryRun === true,
        });
        console.log(
          `${r.checked} objects checked, ${r.removed.length} orphan(s) ${opts.dryRun ? 'found' : 'removed'}`,
        );
        for (const k of r.removed) console.log(`  ${k}`);
      }),
    );
}
