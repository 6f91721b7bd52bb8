import { createS3Archive } from '#adapters/s3/archive.ts';
import { describeArchiveContract } from './archive.contract.ts';
import { onLocalStores } from './local-stores.ts';

describeArchiveContract('S3 adapter on s3rver', () =>
  onLocalStores((s) => createS3Archive(s.services.clients.s3, s.config.bucket)),
);
