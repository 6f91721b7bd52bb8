import { createS3UploadInbox } from '#adapters/s3/upload-inbox.ts';
import { getObject, putObject } from '#adapters/s3/objects.ts';
import { startTestStores } from '#tests/support/stores.ts';
import { describeUploadInboxContract } from './upload-inbox.contract.ts';

describeUploadInboxContract('S3 adapter on s3rver', async () => {
  const { services, config, stop } = await startTestStores();
  const s3 = services.clients.s3;
  return {
    port: createS3UploadInbox(s3, config.bucket),
    drop: (key, bytes) => putObject(s3, config.bucket, key, bytes, { contentType: 'text/csv' }),
    peek: (key) => getObject(s3, config.bucket, key),
    stop,
  };
});
