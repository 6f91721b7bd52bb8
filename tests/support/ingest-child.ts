/**
 * A separate process that ingests one batch into the records table named by
 * `BULLETIN_RECORDS_TABLE` (the stores are named by the usual AWS variables), for the tests
 * that kill an ingest with SIGKILL. Prints `READY` just before the first write and `DONE`
 * when the batch is stored; progress lines in between.
 *
 * Usage: node --import tsx tests/support/ingest-child.ts <seed> <zones> <firstYear> [chunk]
 * (`chunk`: records the store writes at a time, default the store's own).
 */
import { createDynamoRecordStore } from '#adapters/dynamodb/record-store.ts';
import { loadConfig } from '#config';
import { createServices } from '../../functions/wiring/services.ts';
import { ingestFiles } from '../../functions/app/ingest.ts';
import { syntheticFiles, syntheticReference } from '../../functions/app/synthetic.ts';

const [seed, zones, firstYear, chunk] = process.argv.slice(2).map(Number) as [
  number,
  number,
  number,
  number | undefined,
];
const services = createServices(loadConfig(process.env));
const records = chunk
  ? createDynamoRecordStore(services.clients.documents, services.config.tables.records, {
      chunkRecords: chunk,
    })
  : services.records;
const files = syntheticFiles({ seed, zones, firstYear });
process.stdout.write('READY\n');
const summary = await ingestFiles({ records, reference: syntheticReference(zones) }, files, {
  onProgress: (done, total) => process.stdout.write(`P ${done}/${total}\n`),
});
process.stdout.write(`DONE ${summary.created} ${summary.revised}\n`);
await services.close();
