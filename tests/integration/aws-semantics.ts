/**
 * The cloud path loses nothing (issue 25): the real handlers, run the way AWS runs them
 * (tests/support/aws-semantics.ts: asynchronous retries, killed invocations, at-least-once
 * Scheduler deliveries, the Distributed Map of the synthesized state machine), against
 * dynalite and s3rver. For the scheduled bulletin, an embargoed release and the all-zones run,
 * every fault — a crash before each write of a clean run, a timeout, a duplicate and a late
 * delivery, a poisoned event — must end in exactly one draft or issue, or in a message in a
 * dead-letter queue (or a failed map item) that an alarm of the template watches. Nothing is
 * silently lost. The test log prints fault → outcome for each path, with each scenario's time.
 *
 * The printer is the small test renderer (the subject is the runtime, not Chromium); function
 * timeouts, retry counts, failure destinations, the map's retriers and its tolerance are read
 * from the synthesized template.
 *
 * The paths are spread over three files (aws-semantics-{1,2,3}.test.ts), each with a stack of
 * its own, so that vitest runs them side by side: a newer draft of 《火炬动态》 supersedes an
 * open one, so a stack drives one bulletin scenario at a time — the scheduled bulletin, or half
 * of the embargo's faults — beside half of the all-zones run's (zone profiles, a series of
 * their own).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishDeps, runtimeServices } from '#handlers/runtime.ts';
import { discardDraft, scheduleRelease, triggerReport } from '../../functions/app/lifecycle.ts';
import { cycleOf } from '../../functions/app/publish.ts';
import { slotKeys } from '../../functions/app/requests.ts';
import type { ZoneJob } from '../../functions/app/batch.ts';
import { draftIdFor } from '#core/lifecycle.ts';
import {
  atInstant,
  deliverFiring,
  invokeAsync,
  runAttempt,
  runDistributedMap,
  untilInstant,
} from '#tests/support/aws-semantics.ts';
import {
  ACCOUNT,
  deadLettersOf,
  everyFault,
  lateMs,
  printOutcomes,
  startCloudModel,
  type CloudModel,
} from '#tests/support/aws-cloud-model.ts';

/** The faults are split in two halves; `shard` 0 or 1. */
const half = (shard: number) => ` (half ${shard + 1} of the faults)`;

/**
 * A file's stack under the model, and the paths it drives side by side (`register` adds their
 * tests, given the model once started).
 */
export function describeCloudPaths(
  paths: number,
  register: (current: () => CloudModel) => void,
): void {
  describe('the cloud path under AWS runtime semantics', () => {
    let model: CloudModel | undefined;

    beforeAll(async () => {
      model = await startCloudModel(paths);
    }, 180_000);

    afterAll(async () => {
      await model?.stop();
    });

    register(() => model!);
  });
}

/** The scheduled bulletin: every fault ends in one draft of its slot, or a dead-lettered event. */
export function itScheduledBulletin(current: () => CloudModel): void {
  it.concurrent(
    'the scheduled bulletin: every fault ends in exactly one draft of the slot, or a dead-lettered, alarmed event',
    async () => {
      const model = current();
      const { dlq, fns, retryAttempts } = model;
      expect(dlq.alarmed).toBe(true);
      let n = 0;
      // A newer draft of 《火炬动态》 supersedes an open one: one scenario at a time.
      const rows = await everyFault(model, async (plan) => {
        // Prepare: one firing of the monthly schedule, a slot of its own
        const scheduledTime = new Date(Date.UTC(2030, 0, 15, 1, 0, n++)).toISOString();
        const event = {
          scheduleId: 'monthly-bulletin',
          kind: 'torch-bulletin',
          scheduledTime,
          scheduleArn: `arn:aws-cn:scheduler:cn-north-1:${ACCOUNT}:schedule/TorchBulletin/monthly-bulletin`,
          executionId: randomUUID(),
          attemptNumber: '1',
        };
        const draftId = draftIdFor(
          'torch-bulletin',
          slotKeys.scheduled('monthly-bulletin', scheduledTime),
        );
        // Act
        const runs = await deliverFiring(
          () =>
            invokeAsync(fns.scheduled, event, {
              retryAttempts: retryAttempts.scheduled,
              destination: dlq,
              ...(plan.faults ? { faults: plan.faults } : {}),
            }),
          {
            ...(plan.duplicate ? { duplicate: true } : {}),
            ...(plan.late ? { lateMs: lateMs() } : {}),
          },
        );
        // Assess
        const cycle = runtimeServices().cycle;
        const draft = await cycle.getDraft(draftId);
        const open = (await cycle.openDrafts()).filter((d) => d.slotKey === draft?.slotKey);
        const dead = deadLettersOf(
          dlq,
          (p) => (p as { executionId?: string }).executionId === event.executionId,
        );
        const outcome = draft
          ? `1 draft${dead ? ` + ${dead} DLQ` : ''} (${runs.map((r) => r.attempts.length).join('+')} attempts)`
          : `DLQ ${dead}, alarmed`;
        // Nothing lost: the slot's one draft, or the event in the alarmed dead-letter queue (a
        // redrive finds the draft, if the dead attempts made one). Never two drafts, no number.
        expect(open.length, plan.name).toBeLessThanOrEqual(1);
        expect(Boolean(draft) || dead > 0, plan.name).toBe(true);
        if (dead) expect(dlq.alarmed).toBe(true);
        // The real outcome: the retries absorb every fault but a crash on every attempt — the
        // slot's draft, nothing dead-lettered; that one is dead-lettered before any draft.
        expect([draft?.status ?? 'none', dead], plan.name).toEqual(
          plan.name === 'crash on every attempt' ? ['none', 1] : ['draft', 0],
        );
        if (draft) expect(draft.issueId, plan.name).toBeUndefined();
        if (draft?.status === 'draft')
          await discardDraft(cycleOf(publishDeps(runtimeServices())), draftId, { by: 'test' });
        if (plan.name === 'crash on every attempt') expect(dead, plan.name).toBe(1);
        return { outcome, writes: runs[0]!.attempts[0]!.writes };
      });
      printOutcomes('scheduled bulletin', rows);
    },
    600_000,
  );
}

/** An embargoed release: one issue at its second, or a dead-lettered event (draft kept). */
export function itEmbargoedRelease(current: () => CloudModel, shard: number): void {
  it.concurrent(
    `an embargoed release${half(shard)}: every fault ends in exactly one issue at the release second, or a dead-lettered, alarmed event`,
    async () => {
      const model = current();
      const { dlq, fns, retryAttempts, scheduler } = model;
      // A newer draft of 《火炬动态》 supersedes an open one: one scenario at a time.
      const rows = await everyFault(
        model,
        async (plan) => {
          // Prepare: a draft, and its release scheduled through the adapter for the next seconds
          const cycle = cycleOf(publishDeps(runtimeServices()));
          const made = await triggerReport(
            cycle,
            { kind: 'torch-bulletin' },
            { slotKey: `model:${randomUUID()}`, trigger: 'test', force: true },
          );
          const draftId = made.draft!.id;
          // The next whole second with a moment to schedule it (a slower schedule call only makes
          // the firing immediate: it still waits for its second).
          const at = new Date(Math.ceil((Date.now() + 300) / 1000) * 1000);
          await scheduleRelease(cycle, draftId, { at, by: 'editor' });
          const schedule = [...scheduler.schedules.values()].find((s) =>
            s.Target.Input.includes(draftId),
          )!;
          expect(schedule.GroupName).not.toBe('default');
          expect(schedule.Target.DeadLetterConfig?.Arn).toMatch(/FailedJobs$/);
          expect(atInstant(schedule.ScheduleExpression).getTime()).toBe(at.getTime());
          // Act: the one-time schedule fires at its whole second, and deletes itself
          await untilInstant(atInstant(schedule.ScheduleExpression));
          const runs = await deliverFiring(
            () =>
              invokeAsync(fns.generate, JSON.parse(schedule.Target.Input), {
                retryAttempts: retryAttempts.generate,
                destination: dlq,
                ...(plan.faults ? { faults: plan.faults } : {}),
              }),
            {
              ...(plan.duplicate ? { duplicate: true } : {}),
              ...(plan.late ? { lateMs: lateMs() } : {}),
            },
          );
          scheduler.schedules.delete(schedule.name);
          // Assess
          const issues = (await runtimeServices().cycle.allIssues('torch-bulletin')).filter(
            (i) => i.draftId === draftId,
          );
          const dead = deadLettersOf(dlq, (p) => JSON.stringify(p).includes(draftId));
          const status = (await runtimeServices().cycle.getDraft(draftId))?.status;
          const outcome =
            issues.length === 1
              ? `1 issue (总第${issues[0]!.total}期; ${runs.map((r) => r.attempts.length).join('+')} attempts)`
              : `DLQ ${dead}, alarmed (draft ${status})`;
          // Nothing lost: one issue, or the event in the alarmed dead-letter queue with the draft
          // still there for the redrive. Never two issues.
          expect(issues.length, plan.name).toBeLessThanOrEqual(1);
          expect(issues.length === 1 || dead > 0, plan.name).toBe(true);
          // The real outcome: the Lambda's retries absorb every fault but a crash on every
          // attempt — one issue, nothing dead-lettered; that one is dead-lettered, no issue. (A
          // planted numbering line waiting on a killed release for ever dead-lettered every
          // crash here and passed the check above.)
          expect([issues.length, dead], plan.name).toEqual(
            plan.name === 'crash on every attempt' ? [0, 1] : [1, 0],
          );
          if (issues.length) {
            expect(Date.parse(issues[0]!.publishedAt!), plan.name).toBeGreaterThanOrEqual(
              at.getTime(),
            );
          } else {
            expect(dlq.alarmed).toBe(true);
            expect(['scheduled', 'releasing']).toContain(status);
            await discardDraft(cycle, draftId, { by: 'test' }).catch(() => undefined);
          }
          if (plan.name === 'crash on every attempt') expect(dead, plan.name).toBe(1);
          return { outcome, writes: runs[0]!.attempts[0]!.writes };
        },
        { shard: { index: shard, count: 2 } },
      );
      printOutcomes('embargoed release', rows);
    },
    600_000,
  );
}

/** The all-zones run: one issue per zone, or a failed item the alarm reports. */
export function itAllZones(current: () => CloudModel, shard: number): void {
  it.concurrent(
    `the all-zones run${half(shard)}: every fault ends in exactly one issue per zone, or a failed item the alarm reports`,
    async () => {
      const model = current();
      const { fns, map, allZonesInput } = model;
      expect(model.zoneFailuresAlarmed).toBe(true);
      expect(map.retry.length).toBeGreaterThan(0);
      // The zones with data: three for the forced runs, three fresh ones each for the duplicate
      // and the late start (those plan without force, as the schedule does).
      const all = (await runAttempt(fns.plan, {}, randomUUID())).result as { jobs: ZoneJob[] };
      const zones = all.jobs.map((j) => j.zone);
      expect(zones.length).toBeGreaterThanOrEqual(9);
      let fresh = 3;
      let n = 0;
      const rows = await everyFault(
        model,
        async (plan) => {
          const forced = !plan.duplicate && !plan.late;
          const picked = forced ? zones.slice(0, 3) : zones.slice(fresh, (fresh += 3));
          // Every zone profile issued before (this path alone prints zone profiles on this stack).
          const before = new Set(
            (await runtimeServices().cycle.allIssues('zone-profile')).map((i) => i.id),
          );
          // The schedule's input with the firing's time filled in (as the Scheduler does), the
          // test's zones, and `force` to print the same zones again for every fault.
          const scheduledTime = new Date(Date.UTC(2031, 6, 1, 1, 0, n++)).toISOString();
          const input = {
            ...(JSON.parse(
              allZonesInput.replaceAll('<aws.scheduler.scheduled-time>', scheduledTime),
            ) as object),
            zones: picked,
            ...(forced ? { force: true } : {}),
          };
          const execution = async () => {
            const planned = await runAttempt(fns.plan, input, randomUUID());
            expect(planned.ok).toBe(true);
            const jobs = (planned.result as { jobs: ZoneJob[] }).jobs;
            const first = jobs[0]?.zone;
            return {
              jobs,
              run: await runDistributedMap(map, jobs, fns.render, (item, attempt) =>
                (item as ZoneJob).zone === first ? plan.faults?.(attempt) : undefined,
              ),
            };
          };
          // Act: the schedule starts the state machine (twice, or again later)
          const executions = await deliverFiring(execution, {
            ...(plan.duplicate ? { duplicate: true } : {}),
            ...(plan.late ? { lateMs: lateMs() } : {}),
          });
          // Assess: per zone, the issues these executions made — every new one, whatever its
          // draft (a retry that printed under another slot would show here)
          const made = (await runtimeServices().cycle.allIssues('zone-profile')).filter(
            (i) => !before.has(i.id),
          );
          const failedItems = executions.flatMap((e) => e.run.items.filter((i) => !i.ok));
          const perZone = new Map<string, number>();
          for (const i of made)
            perZone.set(
              i.params?.['zone'] ?? '?',
              (perZone.get(i.params?.['zone'] ?? '?') ?? 0) + 1,
            );
          // Nothing lost: per zone one issue, or a failed item (in the FAILED results, counted by the
          // summary, alarmed). Never two issues of a zone.
          for (const z of picked) {
            const count = perZone.get(z) ?? 0;
            const failed = failedItems.some((f) => (f.item as ZoneJob).zone === z);
            expect(count, `${plan.name}: zone ${z}`).toBeLessThanOrEqual(1);
            expect(count === 1 || failed, `${plan.name}: zone ${z}`).toBe(true);
          }
          for (const i of made) expect(picked, plan.name).toContain(i.params?.['zone']);
          // The real outcome, not only "nothing lost": the fault hits the first zone alone and
          // the map's retries absorb every fault but a crash on every attempt — 3 issues, no
          // failed item; that one ends in 2 issues and the first zone's failed item (alarmed).
          // ("0 issues + 3 failed items" passed the per-zone check above.)
          const everyAttempt = plan.name === 'crash on every attempt';
          const faulted = executions[0]!.jobs[0]?.zone;
          expect(made.length, plan.name).toBe(everyAttempt ? 2 : 3);
          if (everyAttempt)
            expect(
              failedItems.map((f) => (f.item as ZoneJob).zone),
              plan.name,
            ).toEqual([faulted]);
          else
            expect(
              failedItems.map(
                (f) =>
                  `${(f.item as ZoneJob).zone}: ${f.error} ${f.attempts.at(-1)?.message ?? ''}`,
              ),
              plan.name,
            ).toEqual([]);
          for (const e of executions) expect(e.run.failed, plan.name).toBe(false);
          const attempts = executions[0]!.run.items.map((i) => i.attempts.length).join('+');
          const outcome =
            failedItems.length === 0
              ? `3 issues, 1 per zone (${attempts} attempts)`
              : `${made.length} issues + ${failedItems.length} failed item (${failedItems[0]!.error}), alarmed`;
          for (const f of failedItems)
            console.log(
              `${plan.name}: ${(f.item as ZoneJob).zone} failed: ${f.error} ${f.attempts.at(-1)?.message ?? ''}`,
            );
          if (plan.name === 'crash on every attempt') expect(failedItems).toHaveLength(1);
          const firstItem = executions[0]!.run.items[0];
          return { outcome, writes: firstItem?.attempts[0]?.writes ?? 0 };
        },
        { shard: { index: shard, count: 2 } },
      );
      printOutcomes('all-zones run', rows);
    },
    900_000,
  );
}
