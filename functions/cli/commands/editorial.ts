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
import { lifecycleDepsOf } from '../../wiring/lifecycle.ts';
import type { Services } from '../../wiring/services.ts';
import type { Cli } from '../context.ts';
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
    .argument('[draft]', 'a draft id: write its PDF to a file and print a download URL')
    .description('list the drafts awaiting review (or fetch one draft PDF)')
    .option('--json', 'machine-readable output')
    .option('--out <file>', 'with a draft id: where to write its PDF')
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
    .argument('<draft>', 'draft id (bulletin drafts lists them)')
    .description('release a draft now (it takes the next issue number), or at --at (embargo)')
    .option('--at <time>', 'release at this instant, e.g. 2026-12-01T09:30+08:00', instantArg)
    .option('--by <name>', 'who releases (recorded)', operator())
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
    .argument('<draft>', 'draft id')
    .description('discard a draft: it never takes a number; its PDF is removed')
    .option('--reason <text>', 'why (recorded)')
    .option('--by <name>', 'who discards (recorded)', operator())
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
    .argument('<issue>', 'issue id, e.g. torch-bulletin-551')
    .description(
      'withdraw a released issue from the archive and the feed (kept in the catalog; its number is not reused)',
    )
    .requiredOption('--reason <text>', 'why (recorded and kept)')
    .option('--by <name>', 'who withdraws (recorded)', operator())
    .action((issueId: string, opts: { reason: string; by: string }) =>
      withLifecycle(cli, async (deps) => {
        const i = await withdrawIssue(deps, issueId, opts);
        console.log(`withdrawn ${i.id} ${formatNumbering(i)}: ${i.withdrawn?.reason}`);
      }),
    );

  program
    .command('corrections')
    .description('released issues whose records were revised since release, and what changed')
    .option('--series <ids>', 'comma-separated series (default: all)')
    .option('--json', 'machine-readable output')
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
              `  ${l.printedAs}: ${l.oldValue} → ${l.newValue} ${l.unit} (revision ${l.oldRevision} → ${l.newRevision}; ${l.source})`,
            );
        }
        if (found.length)
          console.log(`make a corrected edition: bulletin correct ${found[0]!.issueId}`);
      }),
    );

  program
    .command('correct')
    .argument('<issue>', 'issue id, e.g. torch-bulletin-551')
    .description(
      'make the corrected edition (修订版) of a released issue as a draft: same number, 勘误说明 old → new',
    )
    .option('--by <name>', 'who asks (recorded)', operator())
    .action((issueId: string, opts: { by: string }) =>
      withLifecycle(cli, async (deps) =>
        printTrigger(cli, await correctIssue(deps, issueId, { by: opts.by, trigger: 'cli' })),
      ),
    );

  program
    .command('runs')
    .description('every trigger and what came of it: drafted, unchanged, empty, failed, released')
    .option('--limit <n>', 'how many', (v) => Number.parseInt(v, 10), 30)
    .option('--json', 'machine-readable output')
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
    .argument('<run>', 'run id (bulletin runs lists them)')
    .description('retry a failed or interrupted run: the same request and slot, resumed')
    .action((runId: string) =>
      withLifecycle(cli, async (deps) => printTrigger(cli, await retryRun(deps, runId))),
    );

  program
    .command('sweep')
    .description(
      'remove stored PDFs no catalog entry points at (a put whose catalog write never came)',
    )
    .option('--grace-minutes <n>', 'leave objects younger than this alone', (v) => Number(v), 60)
    .option('--dry-run', 'list, remove nothing')
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
