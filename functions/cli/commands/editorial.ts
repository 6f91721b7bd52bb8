/**
 * The editorial cycle on the command line: `drafts`, `release`, `discard`, `withdraw`,
 * `corrections`, `correct`, `runs`, `retry`, `sweep`. Each calls the same use cases as the
 * server and the Lambdas (`app/lifecycle.ts`).
 */
import { checkOutputFile } from '../output-path.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import {
  correctIssue,
  discardDraft,
  formatNumbering,
  listRuns,
  nowOf,
  retryRun,
  sweepOrphans,
  withdrawIssue,
  type LifecycleDeps,
  type TriggerResult,
} from '../../app/lifecycle.ts';
import { correctionValues } from '../../core/lifecycle.ts';
import type { EditionKind } from '../../core/model.ts';
import { ASPECT_NAMES, correctionQueue, dismissCorrection } from '../../app/corrections.ts';
import { formatZoned } from '../../core/display.ts';
import { overdueNote, releaseOrSchedule } from '../../app/embargo.ts';
import { lifecycleDepsOf } from '../../wiring/lifecycle.ts';
import type { Services } from '../../wiring/services.ts';
import { positiveInt, type Cli } from '../context.ts';
import { operatorName } from './generate.ts';

const operator = operatorName;

/** Red on a terminal (an overdue release); the plain text when piped. */
const red = (text: string) => (process.stdout.isTTY ? `\x1b[31m${text}\x1b[0m` : text);

/** An instant with its offset: `2026-12-01T09:30+08:00` (a bare local time is ambiguous). */
export function instantArg(value: string): Date {
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(value) || Number.isNaN(Date.parse(value)))
    throw new InvalidArgumentError(
      '应为带时区的时间，例如 2026-12-01T09:30+08:00（须带 +08:00 或 Z 等时区）',
    );
  return new Date(value);
}

/** `2,5` → [2, 5]: pages of an issue. */
function pagesArg(value: string): number[] {
  const pages = value
    .split(/[,，、\s]+/)
    .filter(Boolean)
    .map(Number);
  if (!pages.length || pages.some((n) => !Number.isInteger(n) || n < 1))
    throw new InvalidArgumentError('页码须为正整数，逗号分隔，例如 2,5');
  return pages;
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
    .option('--force', '--out 的文件已存在时覆盖它')
    .action(
      (draftId: string | undefined, opts: { json?: boolean; out?: string; force?: boolean }) => {
        if (opts.out) checkOutputFile(resolve(opts.out), opts);
        return withLifecycle(cli, async (deps, s) => {
          if (draftId) {
            const draft = await deps.catalog.getDraft(draftId);
            if (!draft?.s3Key)
              throw new InvalidArgumentError(`no open draft ${draftId} with a PDF`);
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
          const now = nowOf(deps);
          for (const d of drafts) {
            const overdue = overdueNote(d, now, deps.timeZone);
            console.log(
              [
                d.id,
                d.status,
                d.correctionOf ? `修订版 of ${d.correctionOf}` : d.title,
                d.period,
                d.pages ? `${d.pages}页` : '',
                d.releaseAt ? `定时发布 ${formatZoned(new Date(d.releaseAt), deps.timeZone)}` : '',
                overdue ? red(overdue) : '',
                d.createdAt,
              ].join('\t'),
            );
          }
        });
      },
    );

  program
    .command('release')
    .argument('<draft>', '稿件号 (draft id；bulletin drafts 列出)')
    .description('发布稿件：立即（此时取下一期号），或用 --at 定时发布 (embargo)')
    .option('--at <时间>', '在此时刻发布，带时区，例如 2026-12-01T09:30+08:00', instantArg)
    .option('--now', '--at 的时刻已过去时立即发布（否则拒绝：防止年份等笔误破坏定时发布）')
    .option('--by <姓名>', '发布人（记录在案）', operator())
    .action((draftId: string, opts: { at?: Date; now?: boolean; by: string }) =>
      withLifecycle(cli, async (deps) => {
        const done = await releaseOrSchedule(deps, draftId, {
          by: opts.by,
          ...(opts.at ? { at: opts.at } : {}),
          releaseNowIfPast: opts.now === true,
          source: 'bulletin release --at',
        });
        if (done.action === 'scheduled') {
          console.log(
            `稿件 ${done.draft.id} 将于 ${formatZoned(new Date(done.draft.releaseAt!), deps.timeZone)} 发布（本地由任一打开数据存储的命令或 bulletin serve 发布，AWS 上由 EventBridge Scheduler 发布）`,
          );
          return;
        }
        const issue = done.issue;
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
    .description(
      '撤回已发布的一期：原网址保留并显示撤回说明（原因、日期、替代期），往期查阅页与订阅源注明撤回（期号不再使用）',
    )
    .requiredOption('--reason <原因>', '撤回原因（必填，向读者公开）')
    .option('--replaced-by <期号>', '替代该期的另一期，例如 torch-bulletin-552')
    .option('--by <姓名>', '撤回人（记录在案）', operator())
    .action((issueId: string, opts: { reason: string; by: string; replacedBy?: string }) =>
      withLifecycle(cli, async (deps) => {
        const i = await withdrawIssue(deps, issueId, opts);
        console.log(
          `已撤回 ${i.id} ${formatNumbering(i)}：${i.withdrawn?.reason}${i.withdrawn?.replacedBy ? `（由 ${i.withdrawn.replacedBy} 替代）` : ''}`,
        );
      }),
    );

  program
    .command('corrections')
    .description(
      '更正队列：所载数值、增速、比重、限定词或精度与现有记录不一致的各期（含已有新一期者）',
    )
    .option('--series <刊物>', '刊物 id，逗号分隔（默认：全部）')
    .option('--json', '输出 JSON（供脚本使用）')
    .action((opts: { series?: string; json?: boolean }) =>
      withLifecycle(cli, async (deps, s) => {
        const series = opts.series ? opts.series.split(',') : s.reference.series.map((x) => x.id);
        const found = await correctionQueue(deps, series);
        if (opts.json) {
          console.log(JSON.stringify(found, null, 2));
          return;
        }
        if (!found.length) console.log('（没有已发布的一期与现有记录不一致）');
        for (const c of found) {
          console.log(
            `${c.issueId}\t${c.title} ${c.issueLine}\t第${c.edition}版${c.superseded ? '\t已有新一期' : ''}\t${c.changes.length}处变动${c.dismissed ? '\t已驳回' : ''}`,
          );
          for (const l of c.changes)
            console.log(
              `  ${l.printedAs}${l.aspect === 'qualifier' || l.aspect === 'precision' ? `（${ASPECT_NAMES[l.aspect]}）` : ''}：${correctionValues(l).old} → ${correctionValues(l).new}（记录版本 ${l.oldRevision} → ${l.newRevision}；${l.source}）`,
            );
          if (c.dismissed)
            console.log(
              `  驳回理由：${c.dismissed.reason}（${c.dismissed.by}，${c.dismissed.at}）`,
            );
        }
        const open = found.find((c) => !c.dismissed);
        if (open)
          console.log(
            `生成修订版：bulletin correct ${open.issueId}；不予更正：bulletin dismiss ${open.issueId} --reason "…"`,
          );
      }),
    );

  program
    .command('correct')
    .argument('<issue>', '期号 (issue id)，例如 torch-bulletin-551')
    .description(
      '生成某期的修订版或更正版稿件：期号不变，附勘误说明（类别、原因、影响、页码，原值 → 新值）',
    )
    .option('--kind <类别>', '修订（来源资料修订了数据）或 更正（本刊刊印有误）', '修订')
    .option('--cause <原因>', '原因（更正必填；修订默认写明修订数据的来源）')
    .option('--effect <影响>', '影响（默认列出变动的各项数据）')
    .option('--pages <页码>', '变动数据所在页码，逗号分隔，例如 2,5', pagesArg)
    .option('--by <姓名>', '提出人（记录在案）', operator())
    .action(
      (
        issueId: string,
        opts: { by: string; kind: string; cause?: string; effect?: string; pages?: number[] },
      ) =>
        withLifecycle(cli, async (deps) =>
          printTrigger(
            cli,
            await correctIssue(deps, issueId, {
              by: opts.by,
              trigger: 'cli',
              kind: opts.kind as EditionKind,
              ...(opts.cause ? { cause: opts.cause } : {}),
              ...(opts.effect ? { effect: opts.effect } : {}),
              ...(opts.pages ? { pages: opts.pages } : {}),
            }),
          ),
        ),
    );

  program
    .command('dismiss')
    .argument('<issue>', '期号 (issue id)，例如 torch-bulletin-551')
    .description('驳回更正队列中的一期：不出修订版，理由留存并在队列中显示（再有修订时重新列入）')
    .requiredOption('--reason <理由>', '不予更正的理由（必填）')
    .option('--by <姓名>', '驳回人（记录在案）', operator())
    .action((issueId: string, opts: { reason: string; by: string }) =>
      withLifecycle(cli, async (deps) => {
        const entry = await dismissCorrection(deps, issueId, opts);
        console.log(
          `已驳回 ${entry.issueId} 的${entry.changes.length}处变动：${entry.dismissed?.reason}`,
        );
      }),
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
