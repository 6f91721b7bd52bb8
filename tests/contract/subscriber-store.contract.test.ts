import { createDynamoSubscriberStore } from '#adapters/dynamodb/subscriber-store.ts';
import { describeSubscriberStoreContract } from './subscriber-store.contract.ts';
import { onLocalStores } from './local-stores.ts';

describeSubscriberStoreContract('DynamoDB adapter on dynalite', () =>
  onLocalStores((s) =>
    createDynamoSubscriberStore(s.services.clients.documents, s.config.tables.subscribers),
  ),
);
