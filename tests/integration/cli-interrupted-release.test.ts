/**
 * `bulletin drafts` for a release whose process is gone (its lease run out, the draft still
 * `releasing`): the list says 发布中断 and how to resume it, as the console's 待审稿件 does —
 * it said 发布中 for ever (found by the newcomer walk-through). `bulletin release` then resumes
 * it under its run's number.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '#config';
import { createAwsClients } from '#adapters/aws-clients.ts';
import { createDynamoLifecycleCatalog } from '#adapters/dynamodb/issue-catalog.ts';
import { startLocalStack } from '#local/stack.ts';
import { useCliState } from '#tests/support/cli-state.ts';

describe('an interrupted release on the command line', { timeout: 600_000 }, () => {
  const { cli, loadAndDraft, stateDir } = useCliState('bulletin-cli-interrupted-');

  it('lists it as 发布中断 with the command that resumes it, and resumes it', async () => {
    const draftId = await loadAndDraft();

    // The release began by a process that died at once: its lease ran out ten seconds ago.
    const stack = await startLocalStack({ stateDir: stateDir() });
    const config = loadConfig({ ...stack.env });
    const clients = createAwsClients(config);
    try {
      const catalog = createDynamoLifecycleCatalog(clients.documents, config.tables.issues);
      await catalog.beginRelease(draftId, 'dead-releaser', 1, Date.now() - 10_000);
    } finally {
      clients.destroy();
      await stack.stop();
    }

    const listed = await cli('drafts');
    expect(listed.code, listed.stderr).toBe(0);
    const line = listed.stdout.split('\n').find((l) => l.startsWith(draftId));
    expect(line, listed.stdout).toContain('发布中断');
    expect(line).toContain(`bulletin release ${draftId}`);
    expect(line).not.toMatch(/\t发布中\t/);

    const resumed = await cli('release', draftId, '--by', '王编辑');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/已发布 \S+ /);
    expect((await cli('drafts')).stdout).not.toContain(draftId);
  });
});
