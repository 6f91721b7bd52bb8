/**
 * Lambda: S3 `ObjectCreated` under `uploads/` → ingest the uploaded statistics file.
 *
 * Each uploaded file is one batch: it is validated whole and written only when it has no
 * problem (`ingestFiles`). A file with problems is moved to `rejected/` with an
 * `.errors.txt` report naming file, row and field — nothing of it is stored; a good file is
 * moved to `ingested/` with a `.summary.json`. A failure of the stores (not of the file) is
 * rethrown, so Lambda retries the event and finally sends it to the failure destination.
 */
import type { Context, S3Event } from 'aws-lambda';
import { ValidationError } from '../errors.ts';
import { ingestFiles, type IngestSummary } from '../app/ingest.ts';
import type { Services } from '../wiring/services.ts';
import { createS3UploadInbox, decodeEventKey, uploadName } from '../adapters/s3/upload-inbox.ts';
import type { UploadInbox } from '../app/ports.ts';
import { invocation, logger, metrics, runtimeServices } from './runtime.ts';
import { MetricUnit } from '@aws-lambda-powertools/metrics';

export type UploadOutcome =
  | { key: string; status: 'ingested'; movedTo: string; summary: IngestSummary }
  | { key: string; status: 'rejected'; movedTo: string; problems: number }
  | { key: string; status: 'skipped'; reason: string };

/** One inbox per services object (a container keeps one; tests reset the runtime). */
const inboxes = new WeakMap<Services, UploadInbox>();

export async function handler(event: S3Event, context?: Context): Promise<UploadOutcome[]> {
  return invocation('ingest-upload', context, async () => {
    const s = runtimeServices();
    let inbox = inboxes.get(s);
    if (!inbox) {
      inbox = createS3UploadInbox(s.clients.s3, s.config.bucket);
      inboxes.set(s, inbox);
    }
    const outcomes: UploadOutcome[] = [];
    for (const record of event.Records ?? []) {
      const key = decodeEventKey(record.s3.object.key);
      const name = uploadName(key);
      if (record.s3.bucket.name !== s.config.bucket || !name) {
        outcomes.push({ key, status: 'skipped', reason: '不是本存档存储桶 (bucket) 的上传文件' });
        continue;
      }
      const bytes = await inbox.read(key);
      if (!bytes) {
        // Already moved by an earlier delivery of the same event.
        outcomes.push({ key, status: 'skipped', reason: '已不在收件目录 (inbox) 中' });
        continue;
      }
      try {
        const summary = await ingestFiles({ records: s.records, reference: s.reference }, [
          { name, bytes },
        ]);
        const movedTo = await inbox.accept(key, bytes, summary);
        metrics.addMetric('RecordsIngested', MetricUnit.Count, summary.records);
        logger.info('已载入上传文件', { key, movedTo, summary });
        outcomes.push({ key, status: 'ingested', movedTo, summary });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const movedTo = await inbox.reject(key, bytes, err.message);
        metrics.addMetric('UploadsRejected', MetricUnit.Count, 1);
        logger.warn('上传文件被拒收', { key, movedTo, problems: err.problems.slice(0, 20) });
        outcomes.push({ key, status: 'rejected', movedTo, problems: err.problems.length });
      }
    }
    return outcomes;
  });
}
