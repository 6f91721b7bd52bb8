/**
 * The editorial cycle on the command line: `drafts`, `release`, `discard`, `withdraw`,
 * `corrections`, `correct`, `runs`, `retry`, `sweep`. Each calls the same use cases as the
 * server and the Lambdas (`app/lifecycle.ts`); a release tells subscribers through the same
 * notices as the local server's (`Cli.publishDeps`). What people read is Chinese, times in
 * Beijing time with the zone named; `--json` keeps ISO instants with +08:00.
 */
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import {
  correctIssue,
  discardDraft,
  earlierRelease,
  formatNumbering,
  listRuns,
  nowOf,
  retryRun,
  sweepOrphans,
  withdrawIssue,
  type LifecycleDeps,
  type TriggerResult,
} from '../../app/lifecycle.ts';
import { ASPECT_NAMES, correctionQueue, dismissCorrection } from '../../app/corrections.ts';
import { overdueNote, releaseOrSchedule } from '../../app/embargo.ts';
import { draftForPeople } from '../../app/sealed-release.ts';
import type { PublishResult } from '../../app/publish.ts';
import { NotFoundError } from '../../errors.ts';
import {
  correctionValues,
  editionLabel,
  releaseState,
  statusWord,
  type Draft,
} from '../../core/lifecycle.ts';
import { formatSize } from '../../core/display.ts';
import type { EditionKind, Issue } from '../../core/model.ts';
import { formatBeijing, withBeijingOffsets } from '../../core/time.ts';
import { lifecycleDepsOf } from '../../wiring/lifecycle.ts';
import type { Services } from '../../wiring/services.ts';
import { positiveInt, type Cli } from '../context.ts';
import { checkOutputFile } from '../output-path.ts';
import { draftPdf, issuePdf, savePdf } from '../issue-pdf.ts';
import { noticeLine } from '../notices.ts';
import { operatorName } from './generate.ts';
import { noteCliAccess, recordCli } from '../desk-record.ts';

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

/** What the cycle's notify did on the last release through these deps (printed after it). */
type Notices = Pick<PublishResult, 'notices' | 'noticeError'>;

function withLifecycle<T>(
  cli: Cli,
  fn: (deps: LifecycleDeps, s: Services, notices: Notices) => Promise<T>,
) {
  return cli.withServices((s) => {
    const notices: Notices = {};
    return fn(lifecycleDepsOf(cli.publishDeps(s), { log: cli.info, notices }), s, notices);
  });
}

/** The run states in words (`bulletin runs`). */
const RUN_STATES: Record<string, string> = {
  running: '进行中',
  interrupted: '已中断',
  drafted: '已生成稿件',
  unchanged: '未变',
  empty: '无数据',
  failed: '失败',
  released: '已发布',
  discarded: '已弃用',
};

/** `2026年第1期(总第551期)`, with `第 2 版（修订版）` (or 更正版) for a corrected edition. */
function numberingOf(issue: Issue, edition = issue.edition ?? 1): string {
  const kind = issue.editions?.find((e) => e.edition === edition)?.label?.kind;
  const label = editionLabel(edition, kind);
  return `${formatNumbering(issue)}${label ? ` 第 ${edition} 版（${label}）` : ''}`;
}

/** Writes the released PDF to a local file and prints where (and its S3 key on AWS). */
async function printIssuePdf(cli: Cli, s: Services, issue: Issue): Promise<void> {
  const pdf = issuePdf(issue);
  console.log(`PDF：${await savePdf(cli, s, pdf, { force: true })}`);
  if (cli.options().target === 'aws') console.log(`S3：s3://${s.config.bucket}/${pdf.key}`);
}

/** Prints what a trigger did: run id and slot always (so a run can be found and retried). */
export async function printTrigger(cli: Cli, s: Services, r: TriggerResult): Promise<void> {
  cli.info(
    `运行 (run) ${r.run.runId} · 槽位 (slot) ${r.run.slotKey} · ${RUN_STATES[r.outcome] ?? r.outcome}`,
  );
  // Without --quiet the cycle's log has said it already.
  if (cli.options().quiet) console.log(r.message);
  if (r.draft && r.outcome === 'drafted') {
    console.log(
      `稿件：${r.draft.id}${r.draft.correctionOf ? `（${r.draft.correctionOf} 的修订版）` : ''}`,
    );
    if (r.draft.s3Key)
      console.log(
        `样稿 PDF：${await savePdf(cli, s, draftPdf(r.draft), { sub: 'drafts', force: true })}`,
      );
  }
  if (r.issue && r.outcome === 'released') {
    console.log(`期号：${r.issue.id} ${numberingOf(r.issue)} ${statusWord(r.issue.status)}`);
    if (r.issue.status === 'published') await printIssuePdf(cli, s, r.issue);
  }
}

export function register(program: Command, cli: Cli): void {
  program
    .command('drafts')
    .argument('[draft]', '稿件号 (draft id)：把其样稿 PDF 写入文件')
    .description('待审稿件列表（或下载一份样稿 PDF）')
    .option('--json', '输出 JSON（供脚本使用；时间为带 +08:00 的 ISO 格式）')
    .option('--out <文件>', '给出稿件号时：样稿 PDF 的保存路径')
    .option('--force', '--out 的文件已存在时覆盖它')
    .option('--by <姓名>', '给出稿件号时：查看人（记入发布前查看记录）', operator())
    .action(
      (
        draftId: string | undefined,
        opts: { json?: boolean; out?: string; force?: boolean; by: string },
      ) => {
        if (opts.out) checkOutputFile(resolve(opts.out), opts);
        return withLifecycle(cli, async (deps, s) => {
          if (draftId) {
            const draft = await deps.catalog.getDraft(draftId);
            if (!draft)
              throw new NotFoundError(
                'lifecycle',
                `没有稿件 ${draftId}（bulletin drafts 列出全部）`,
              );
            // Before its release, who read it is on record (as the console's draft page notes).
            await noteCliAccess(s, opts.by, draft.id);
            const pdf = draftPdf(draft);
            const out = await savePdf(cli, s, pdf, {
              sub: 'drafts',
              force: true,
              ...(opts.out ? { out: opts.out } : {}),
            });
            // A presigned URL to the embedded stores would stop working with this command.
            const url =
              cli.options().target === 'aws'
                ? await s.archive.presignDownload(pdf.key, {
                    fileName: pdf.fileName,
                    ttlSeconds: s.config.presignTtlSeconds,
                  })
                : undefined;
            if (opts.json)
              console.log(
                JSON.stringify(
                  withBeijingOffsets({ ...draft, printed: undefined, pdf: out, url }),
                  null,
                  2,
                ),
              );
            else console.log(`样稿 PDF：${out}${url ? `\n下载链接 (URL)：${url}` : ''}`);
            return;
          }
          const drafts = await deps.catalog.openDrafts();
          if (opts.json) {
            console.log(
              JSON.stringify(
                withBeijingOffsets(drafts.map(({ printed: _p, ...d }) => draftForPeople(d))),
                null,
                2,
              ),
            );
            return;
          }
          if (!drafts.length) console.log('（没有待审稿件）');
          const now = nowOf(deps);
          for (const d of drafts) {
            const overdue = overdueNote(d, now, deps.timeZone);
            console.log(
              [
                d.id,
                draftStatusWord(d, now),
                d.correctionOf ? `${d.correctionOf} 的修订版` : d.title,
                d.period,
                d.pages ? `${d.pages} 页` : '',
                d.releaseAt ? `定时发布 ${formatBeijing(d.releaseAt)}` : '',
                overdue ? red(overdue) : '',
                d.sealed
                  ? `已预先生成 ${d.sealed.numbering.year}年第${d.sealed.numbering.number}期`
                  : '',
                `生成于 ${formatBeijing(d.createdAt)}`,
              ]
                .filter(Boolean)
                .join('\t'),
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
      withLifecycle(cli, async (deps, s, notices) => {
        const before = await earlierRelease(deps, draftId);
        if (before) {
          console.log(
            `稿件 ${draftId} 此前已发布为 ${before.issue.id} ${numberingOf(before.issue, before.edition)}：` +
              `${formatBeijing(before.at)} 由 ${before.by || '（未记录）'} 发布。本次没有改动任何内容。`,
          );
          return;
        }
        const done = await releaseOrSchedule(deps, draftId, {
          by: opts.by,
          ...(opts.at ? { at: opts.at } : {}),
          releaseNowIfPast: opts.now === true,
          source: 'bulletin release --at',
        });
        if (done.action === 'scheduled') {
          await recordCli(s, opts.by, {
            action: 'schedule',
            target: done.draft.id,
            detail: `定时发布于 ${formatBeijing(done.draft.releaseAt!)}`,
          });
          console.log(
            `稿件 ${done.draft.id} 将于 ${formatBeijing(done.draft.releaseAt!)} 发布（本地由任一打开数据存储的命令或 bulletin serve 发布，AWS 上由 EventBridge Scheduler 发布）`,
          );
          return;
        }
        const issue = done.issue;
        // The result in full (the cycle's log line said only that it was released).
        const e = issue.editions?.find((x) => x.draftId === draftId);
        await recordCli(s, opts.by, {
          action: 'release',
          target: draftId,
          related: [issue.id],
          detail: `${issue.id} ${numberingOf(issue, e?.edition ?? 1)}`,
        });
        console.log(
          [
            `已发布 ${issue.id} ${numberingOf(issue, e?.edition ?? 1)}`,
            `${e?.pages ?? issue.pages} 页`,
            formatSize(e?.bytes ?? issue.bytes ?? 0),
            `发布人 ${e?.releasedBy ?? opts.by}`,
            formatBeijing(e?.releasedAt ?? issue.publishedAt ?? new Date()),
          ].join(' · '),
        );
        await printIssuePdf(cli, s, issue);
        console.log(await noticeLine(s, cli.noticeWay(s), issue, notices));
      }),
    );

  program
    .command('discard')
    .argument('<draft>', '稿件号 (draft id)')
    .description('弃用稿件：不占期号，删除其样稿 PDF')
    .option('--reason <原因>', '原因（记录在案）')
    .option('--by <姓名>', '弃用人（记录在案）', operator())
    .action((draftId: string, opts: { reason?: string; by: string }) =>
      withLifecycle(cli, async (deps, s) => {
        const d = await discardDraft(deps, draftId, {
          by: opts.by,
          ...(opts.reason ? { reason: opts.reason } : {}),
        });
        await recordCli(s, opts.by, {
          action: 'discard',
          target: d.id,
          ...(opts.reason ? { detail: opts.reason } : {}),
        });
        console.log(`已弃用稿件 ${d.id}（不占期号）`);
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
      withLifecycle(cli, async (deps, s) => {
        const i = await withdrawIssue(deps, issueId, opts);
        await recordCli(s, opts.by, { action: 'withdraw', target: i.id, detail: opts.reason });
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
          console.log(JSON.stringify(withBeijingOffsets(found), null, 2));
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
              `  驳回理由：${c.dismissed.reason}（${c.dismissed.by}，${formatBeijing(c.dismissed.at)}）`,
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
    .option(
      '--pages <页码>',
      '变动数据在原刊的页码，逗号分隔，例如 2,5（默认按原刊各数字的刊印位置算出）',
      pagesArg,
    )
    .option('--by <姓名>', '提出人（记录在案）', operator())
    .action(
      (
        issueId: string,
        opts: { by: string; kind: string; cause?: string; effect?: string; pages?: number[] },
      ) =>
        withLifecycle(cli, async (deps, s, notices) => {
          const r = await correctIssue(deps, issueId, {
            by: opts.by,
            trigger: 'cli',
            kind: opts.kind as EditionKind,
            ...(opts.cause ? { cause: opts.cause } : {}),
            ...(opts.effect ? { effect: opts.effect } : {}),
            ...(opts.pages ? { pages: opts.pages } : {}),
          });
          await recordCli(s, opts.by, {
            action: 'correct',
            target: issueId,
            ...(r.draft ? { related: [r.draft.id] } : {}),
            detail: r.draft ? `修订版稿件 ${r.draft.id}（第 ${r.draft.edition} 版）` : r.message,
          });
          await printTrigger(cli, s, r);
          if (r.issue && r.outcome === 'released')
            console.log(await noticeLine(s, cli.noticeWay(s), r.issue, notices));
        }),
    );

  program
    .command('dismiss')
    .argument('<issue>', '期号 (issue id)，例如 torch-bulletin-551')
    .description('驳回更正队列中的一期：不出修订版，理由留存并在队列中显示（再有修订时重新列入）')
    .requiredOption('--reason <理由>', '不予更正的理由（必填）')
    .option('--by <姓名>', '驳回人（记录在案）', operator())
    .action((issueId: string, opts: { reason: string; by: string }) =>
      withLifecycle(cli, async (deps, s) => {
        const entry = await dismissCorrection(deps, issueId, opts);
        await recordCli(s, opts.by, {
          action: 'correct',
          target: entry.issueId,
          detail: `驳回更正：${opts.reason}`,
        });
        console.log(
          `已驳回 ${entry.issueId} 的${entry.changes.length}处变动：${entry.dismissed?.reason}`,
        );
      }),
    );

  program
    .command('runs')
    .description('每次触发及其结果：生成稿件、未变、无数据、失败、已发布')
    .option('--limit <条数>', '显示条数', positiveInt, 30)
    .option('--json', '输出 JSON（供脚本使用；时间为带 +08:00 的 ISO 格式）')
    .action((opts: { limit: number; json?: boolean }) =>
      withLifecycle(cli, async (deps) => {
        const runs = await listRuns(deps, { limit: opts.limit });
        if (opts.json) {
          console.log(JSON.stringify(withBeijingOffsets(runs), null, 2));
          return;
        }
        if (!runs.length) console.log('（没有运行记录）');
        for (const r of runs)
          console.log(
            [
              r.runId,
              formatBeijing(r.startedAt),
              RUN_STATES[r.state] ?? r.state,
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
    .option('--by <姓名>', '重试人（记录在案）', operator())
    .action((runId: string, opts: { by: string }) =>
      withLifecycle(cli, async (deps, s, notices) => {
        const r = await retryRun(deps, runId);
        await recordCli(s, opts.by, {
          action: 'retry',
          target: runId,
          related: [
            r.run.runId,
            ...(r.draft ? [r.draft.id] : []),
            ...(r.issue ? [r.issue.id] : []),
          ],
          detail: `${RUN_STATES[r.outcome] ?? r.outcome}：${r.message}`,
        });
        await printTrigger(cli, s, r);
        if (
          r.issue &&
          r.outcome === 'released' &&
          (notices.notices || notices.noticeError || !cli.noticeWay(s).send)
        )
          console.log(await noticeLine(s, cli.noticeWay(s), r.issue, notices));
      }),
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
          `检查了 ${r.checked} 个存储对象，${opts.dryRun ? '找到' : '删除了'} ${r.removed.length} 个孤儿文件`,
        );
        for (const k of r.removed) console.log(`  ${k}`);
      }),
    );
}

/**
 * A draft's state in the list (`bulletin drafts`): 发布中断 for a release whose process is gone
 * (its lease run out), with how to resume it — the same number, never a second one.
 */
function draftStatusWord(d: Draft, now: Date): string {
  const state = releaseState(d, now);
  if (state === 'interrupted')
    return d.immediate && d.runId
      ? `发布中断（发布进程已退出；继续：bulletin retry ${d.runId}，或编辑部“待审稿件”中的“继续发布”）`
      : `发布中断（发布进程已退出；继续：bulletin release ${d.id}，或编辑部“待审稿件”中的“继续发布”）`;
  if (state === 'releasing' && d.leaseUntil)
    return `发布中（进程租约至 ${formatBeijing(d.leaseUntil)}）`;
  return STATUS_OF_DRAFT[d.status] ?? d.status;
}

/** A draft's state in the list (`bulletin drafts`). */
const STATUS_OF_DRAFT: Record<string, string> = {
  draft: '待审',
  scheduled: '已定时',
  releasing: '发布中',
};
