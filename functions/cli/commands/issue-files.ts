/**
 * An issue's files and notices after its release: `bulletin pdf ISSUE` writes its PDF (any
 * edition) to a file, read back from the archive and checked against the catalog first;
 * `bulletin notify ISSUE` sends its subscribers' notices where the release could not (the
 * same notices a release sends, once per subscriber and edition: a repeat sends nothing twice).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { formatNumbering } from '../../app/lifecycle.ts';
import { notifyReleased } from '../../app/publish.ts';
import { ConflictError, NotFoundError } from '../../errors.ts';
import { parseIssueId, statusWord } from '../../core/lifecycle.ts';
import type { Issue } from '../../core/model.ts';
import type { Services } from '../../wiring/services.ts';
import { positiveInt, type Cli } from '../context.ts';
import { issuePdf, savePdf } from '../issue-pdf.ts';
import { noticeLine } from '../notices.ts';
import { checkOutputFile } from '../output-path.ts';
import { recordCli } from '../desk-record.ts';
import { operatorName } from './generate.ts';

async function issueNamed(s: Services, issueId: string): Promise<Issue> {
  if (!parseIssueId(issueId))
    throw new NotFoundError('pdf', `"${issueId}" 不是期号 (issue id)，例如 torch-bulletin-551`);
  const issue = await s.catalog.get(issueId);
  if (!issue) throw new NotFoundError('pdf', `没有这一期：${issueId}（bulletin list 列出全部）`);
  return issue;
}

export function register(program: Command, cli: Cli): void {
  program
    .command('pdf')
    .argument('<issue>', '期号 (issue id)，例如 torch-bulletin-551')
    .description('把一期的 PDF 写入文件（从存储读出，先核对目录记录的 sha256 与大小）')
    .option('--edition <版次>', '第几版：1 为初版，2 起为修订版（默认：当前版）', positiveInt)
    .option('--out <文件>', '保存路径（默认：.local/out/<文件名>）')
    .option(
      '--force',
      '文件已存在时覆盖（不加：--out 的文件已存在即不写；默认路径上内容相同则保留）',
    )
    .action((issueId: string, opts: { edition?: number; out?: string; force?: boolean }) => {
      // A file named with --out is never overwritten without --force (as generate's and data's).
      if (opts.out) checkOutputFile(resolve(opts.out), opts);
      return cli.withServices(async (s) => {
        const issue = await issueNamed(s, issueId);
        if (issue.status !== 'published' && issue.status !== 'withdrawn')
          throw new ConflictError('pdf', `${issueId} 这一期${statusWord(issue.status)}，没有 PDF`);
        const pdf = issuePdf(issue, opts.edition);
        const out = await savePdf(cli, s, pdf, {
          ...(opts.out ? { out: opts.out, force: true } : {}),
          ...(opts.force ? { force: true } : {}),
        });
        const edition = opts.edition ?? issue.edition ?? 1;
        cli.info(
          `${issue.title ?? issue.series} ${formatNumbering(issue)} 第 ${edition} 版${edition > 1 ? '（修订版）' : ''}${issue.status === 'withdrawn' ? ' · 已撤回' : ''}`,
        );
        console.log(`PDF：${out}`);
      });
    });

  program
    .command('notify')
    .argument('<issue>', '期号 (issue id)，例如 torch-bulletin-551')
    .description('给一期的订阅者发送发布通知（发布时未能发送的补发；已通知过的订阅者不会重复收到）')
    .option('--by <姓名>', '发送人（记录在案）', operatorName())
    .action((issueId: string, opts: { by: string }) =>
      cli.withServices(async (s) => {
        const issue = await issueNamed(s, issueId);
        if (issue.status !== 'published')
          throw new ConflictError(
            'notify',
            `${issueId} 这一期${statusWord(issue.status)}：只通知已发布的各期`,
          );
        const way = cli.noticeWay(s);
        if (!way.send) throw new ConflictError('notify', `无法发送通知：${way.why}`);
        const result = await notifyReleased(cli.publishDeps(s), issue);
        const n = result.notices;
        await recordCli(s, opts.by, {
          action: 'resend',
          target: issue.id,
          detail: n
            ? `新发 ${n.sent}，失败 ${n.failed}，此前已收到 ${n.alreadyNotified}`
            : `未能发送：${result.noticeError ?? ''}`,
        });
        console.log(await noticeLine(s, way, issue, result));
        if (result.noticeError || (result.notices?.failed ?? 0) > 0) process.exitCode = 1;
      }),
    );
}
