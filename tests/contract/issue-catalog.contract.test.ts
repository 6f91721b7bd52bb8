import {
  createDynamoIssueCatalog,
  createDynamoLifecycleCatalog,
} from '#adapters/dynamodb/issue-catalog.ts';
import { describeIssueCatalogContract } from './issue-catalog.contract.ts';
import { onLocalStores } from './local-stores.ts';

describeIssueCatalogContract('DynamoDB adapters on dynalite', () =>
  onLocalStores((s) => ({
    catalog: createDynamoIssueCatalog(s.services.clients.documents, s.config.tables.issues),
    cycle: createDynamoLifecycleCatalog(s.services.clients.documents, s.config.tables.issues),
  })),
);
