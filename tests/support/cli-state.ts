/**
 * The command line as a person runs it, for a test file: `bulletin` from the sources
 * (bin/bulletin.mjs, no build) on a state folder of the file's own — its embedded stores — with
 * the outbox in that folder too. `useCliState` registers the folder's creation and removal as
 * the file's hooks; `loadAndDraft` is the common start: the repository's records ingested and an
 * 指标快报 (indicator-flash) drafted.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { REPO } from '#tests/support/stores.ts';

const BIN = join(REPO, 'bin', 'bulletin.mjs');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliState {
  /** The file's folder (the state folder is `state/` in it). */
  dir(): string;
  stateDir(): string;
  /** `bulletin --state-dir <state> ...args`: its exit code and output. */
  cli(...args: string[]): Promise<CliRun>;
  /** Ingests every CSV of data/records, drafts an indicator flash; its draft id. */
  loadAndDraft(): Promise<string>;
}

/** A state folder for this file's CLI runs (made before its tests, removed after). */
export function useCliState(prefix: string): CliState {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const state: CliState = {
    dir: () => dir,
    stateDir: () => join(dir, 'state'),
    cli: (...args) =>
      new Promise<CliRun>((resolve) => {
        execFile(
          process.execPath,
          [BIN, '--state-dir', join(dir, 'state'), ...args],
          {
            env: { ...process.env, BULLETIN_NO_BUILD: '1', BULLETIN_OUTBOX_DIR: join(dir, 'out') },
            timeout: 240_000,
          },
          (err, stdout, stderr) =>
            resolve({
              code: err ? Number((err as { code?: number }).code ?? 1) : 0,
              stdout,
              stderr,
            }),
        );
      }),
    async loadAndDraft() {
      const records = join(REPO, 'data', 'records');
      const csv = readdirSync(records)
        .filter((f) => f.endsWith('.csv'))
        .map((f) => join(records, f));
      expect((await state.cli('ingest', ...csv)).code).toBe(0);
      const made = await state.cli('generate', '--kind', 'indicator-flash');
      expect(made.code, made.stderr).toBe(0);
      const draftId = /稿件 (\S+)：/.exec(made.stdout)?.[1];
      expect(draftId, made.stdout + made.stderr).toBeDefined();
      return draftId!;
    },
  };
  return state;
}
