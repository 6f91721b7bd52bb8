import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOutboxNotifier } from '#adapters/ses/notifier.ts';
import { describeNotifierContract } from './notifier.contract.ts';

describeNotifierContract('local outbox (.eml files)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bulletin-outbox-'));
  return {
    port: createOutboxNotifier(dir),
    delivered: async () =>
      Promise.all((await readdir(dir)).sort().map((f) => readFile(join(dir, f), 'utf8'))),
    stop: () => rm(dir, { recursive: true, force: true }),
  };
});
