import { createDynamoRecordStore } from '#adapters/dynamodb/record-store.ts';
import { describeRecordStoreContract } from './record-store.contract.ts';
import { onLocalStores } from './local-stores.ts';

describeRecordStoreContract('DynamoDB adapter on dynalite', () =>
  onLocalStores((s) =>
    createDynamoRecordStore(s.services.clients.documents, s.config.tables.records),
  ),
);
