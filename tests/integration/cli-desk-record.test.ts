/**
 * Issue 23.3 on the command line (the sources, through bin/bulletin.mjs, against the embedded
 * stores of a state folder of its own): opening a draft with `bulletin drafts <id>` is noted in
 * the draft's pre-release access record, and `bulletin release --by 王编辑` is in the record of
 * who did what with that name and `via: 'cli'`, and so is `bulletin notify ISSUE --by 张管理` (a
 * resend) — the entries the console's 操作记录 page and the released issue's page list.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '#config';
import { createAwsClients } from '#adapters/aws-clients.ts';
import { createDynamoDeskStore } from '#adapters/dynamodb/desk-store.ts';
import { startLocalStack } from '#local/stack.ts';
import { removeServerRecord, writeServerRecord } from '#local/server-record.ts';
import { useCliState } from '#tests/support/cli-state.ts';

describe('the CLI in the record of who did what', { timeout: 600_000 }, () => {
  const { cli, loadAndDraft, dir: folder, stateDir } = useCliState('bulletin-cli-record-');

  it('records a draft opened, a release with --by, a notice sent again, calendar changes as the OS user', async () => {
    const draftId = await loadAndDraft();

    const opened = await cli('drafts', draftId, '--by', '李审阅');
    expect(opened.code, opened.stderr).toBe(0);
    expect(opened.stdout).toContain('样稿 PDF：');
    const released = await cli('release', draftId, '--by', '王编辑');
    expect(released.code, released.stderr).toBe(0);
    expect(released.stdout).toContain('发布人 王编辑');
    const issueId = /已发布 (\S+) /.exec(released.stdout)?.[1];
    expect(issueId, released.stdout).toBeDefined();

    // `bulletin notify` with a server running on the state folder (its record names this
    // process and a loopback port that answers; the notices go to its outbox): a resend, recorded.
    const listener = createServer((_req, res) => res.end()).listen(0, '127.0.0.1');
    await once(listener, 'listening');
    await writeServerRecord(stateDir(), {
      url: `http://127.0.0.1:${(listener.address() as AddressInfo).port}`,
      pid: process.pid,
      outboxDir: join(folder(), 'served-outbox'),
      startedAt: new Date().toISOString(),
    });
    const notified = await cli('notify', issueId!, '--by', '张管理').finally(async () => {
      listener.close();
      await removeServerRecord(stateDir());
    });
    expect(notified.code, notified.stderr).toBe(0);

    // A release date moved and another cancelled: in the record too.
    const cal = await cli('calendar', '--json');
    expect(cal.code, cal.stderr).toBe(0);
    const dates = (
      JSON.parse(cal.stdout) as { entries: { ref: string; key: string; at: string }[] }
    ).entries;
    expect(dates.length, cal.stdout).toBeGreaterThanOrEqual(2);
    const [moved, cancelled] = dates;
    const to = new Date(Date.parse(moved!.at) + 86_400_000);
    const toText = new Date(to.getTime() + 8 * 3_600_000).toISOString().slice(0, 16) + '+08:00';
    const move = await cli(
      'calendar',
      'move',
      moved!.ref,
      '--to',
      toText,
      '--reason',
      '节假日顺延',
    );
    expect(move.code, move.stderr).toBe(0);
    const cancel = await cli('calendar', 'cancel', cancelled!.ref, '--reason', '并入下期');
    expect(cancel.code, cancel.stderr).toBe(0);

    const stack = await startLocalStack({ stateDir: stateDir() });
    const config = loadConfig({ ...stack.env });
    const clients = createAwsClients(config);
    try {
      const desk = createDynamoDeskStore(clients.documents, config.tables.issues);
      const access = await desk.accessOf(draftId);
      expect(access.map((a) => [a.who, a.count])).toEqual([['李审阅', 1]]);
      // What the released issue's page lists (its record: entries naming the issue).
      const ofIssue = await desk.records({ target: issueId! });
      const release = ofIssue.find((r) => r.action === 'release');
      expect(release).toMatchObject({ who: '王编辑', via: 'cli', target: draftId });
      expect(release!.detail).toContain(issueId!);
      // And the whole record (the 操作记录 page).
      const all = await desk.records({ limit: 200 });
      expect(all.filter((r) => r.via === 'cli' && r.who === '王编辑').map((r) => r.action)).toEqual(
        ['release'],
      );
      // The notice sent again, by the name given.
      expect(ofIssue.find((r) => r.action === 'resend')).toMatchObject({
        who: '张管理',
        via: 'cli',
        target: issueId,
      });
      expect(ofIssue.find((r) => r.action === 'resend')!.detail).toMatch(/^新发 \d+，失败 0/);
      // Without --by, the OS user.
      const me = userInfo().username;
      expect(all.find((r) => r.action === 'calendar-move')).toMatchObject({
        who: me,
        via: 'cli',
        target: `calendar:${moved!.key}`,
      });
      expect(all.find((r) => r.action === 'calendar-move')!.detail).toContain('节假日顺延');
      expect(all.find((r) => r.action === 'calendar-cancel')).toMatchObject({
        who: me,
        via: 'cli',
        target: `calendar:${cancelled!.key}`,
      });
    } finally {
      clients.destroy();
      await stack.stop();
    }
  });
});
