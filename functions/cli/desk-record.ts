/**
 * The CLI's side of the record of who did what: each state-changing command writes its entry
 * through the same use case as the console (`recordAction`), with `via: 'cli'` and the person
 * from `--by` (default: the OS user). Opening a draft (`bulletin drafts <id>`) is noted in the
 * draft's pre-release access record, as the console's draft page does.
 */
import { noteDraftAccess, recordAction } from '../app/desk.ts';
import type { DeskRecord } from '../core/desk.ts';
import type { Services } from '../wiring/services.ts';

/** Records an action taken from the command line by `who`. */
export async function recordCli(
  s: Pick<Services, 'desk'>,
  who: string,
  entry: Omit<DeskRecord, 'at' | 'who' | 'via'>,
): Promise<void> {
  await recordAction(s.desk, { ...entry, at: new Date().toISOString(), who, via: 'cli' });
}

/** Notes that `who` opened draft `draftId` from the command line before its release. */
export async function noteCliAccess(
  s: Pick<Services, 'desk'>,
  who: string,
  draftId: string,
): Promise<void> {
  await noteDraftAccess(s.desk, draftId, who, new Date());
}
