/**
 * Wires the ports to their AWS adapters from a validated configuration. The CLI, the local
 * server and the Lambda handlers all get their services here.
 */
import type { AppConfig } from '../config.ts';
import { createAwsClients, type AwsClients } from '../adapters/aws-clients.ts';
import { createS3Archive, type Archive } from '../adapters/archive.ts';
import { createDynamoIssueCatalog, type IssueCatalog } from '../adapters/issue-catalog.ts';
import { createChromiumRenderer, type PdfRenderer } from '../adapters/pdf-renderer.ts';
import { createDynamoRecordStore, type RecordStore } from '../adapters/record-store.ts';
import type { Reference } from '../core/reference.ts';
import { referenceData } from './reference-data.ts';

export interface Services {
  config: AppConfig;
  clients: AwsClients;
  records: RecordStore;
  catalog: IssueCatalog;
  archive: Archive;
  reference: Reference;
  /** The browser starts on first use and is reused until `close()`. */
  renderer: PdfRenderer;
  close(): Promise<void>;
}

export function createServices(
  config: AppConfig,
  opts: { renderer?: PdfRenderer; log?: (m: string) => void } = {},
): Services {
  const clients = createAwsClients(config);
  const renderer = opts.renderer ?? createChromiumRenderer(opts.log ? { log: opts.log } : {});
  return {
    config,
    clients,
    records: createDynamoRecordStore(clients.documents, config.tables.records),
    catalog: createDynamoIssueCatalog(clients.documents, config.tables.issues),
    archive: createS3Archive(clients.s3, config.bucket),
    reference: referenceData(),
    renderer,
    async close() {
      await renderer.close();
      clients.destroy();
    },
  };
}
