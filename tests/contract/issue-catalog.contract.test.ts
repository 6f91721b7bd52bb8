import { createDynamoIssueCatalog } from '#adapters/dynamodb/issue-catalog.ts';
import { describeIssueCatalogContract } from './issue-catalog.contract.ts';
import { onLocalStores } from './local-stores.ts';

describeIssueCatalogContract('DynamoDB adapter on dynalite', () =>
  onLocalStores((s) =>
    createDynamoIssueCatalog(s.services.clients.documents, s.config.tables.issues),
  ),
);
