/**
 * The issue catalog alone, for a command that only reads it (`bulletin list`): the
 * configuration, the DynamoDB clients and the catalog adapter — no S3, Chromium, SES,
 * templates or reference data are loaded, and no table is created.
 */
import { loadConfig, type AppConfig } from '../config.ts';
import { createDynamoClients } from '../adapters/dynamodb/clients.ts';
import {
  createDynamoIssueCatalog,
  createDynamoLifecycleCatalog,
} from '../adapters/dynamodb/issue-catalog.ts';
import { isReleaseDue } from '../core/embargo.ts';
import type { IssueCatalog } from '../app/ports.ts';

export interface CatalogReader {
  config: AppConfig;
  /** `list` only is meant here; a catalog whose table does not exist yet lists nothing. */
  catalog: Pick<IssueCatalog, 'list'>;
  /** How many embargoes are past their time at `now` (one Query of the open drafts' index). */
  dueReleases(now: Date): Promise<number>;
  close(): void;
}

/**
 * @param env the configuration's environment (the local stack's endpoints included).
 * @param opts.missingTableIsEmpty a state folder no command has written to has no tables yet:
 *   list nothing instead of failing (the embedded stack; on AWS a missing table is an error).
 */
export function openCatalogReader(
  env: NodeJS.ProcessEnv,
  opts: { missingTableIsEmpty?: boolean } = {},
): CatalogReader {
  const config = loadConfig(env);
  const { dynamodb, documents } = createDynamoClients(config);
  const catalog = createDynamoIssueCatalog(documents, config.tables.issues);
  return {
    config,
    catalog: {
      async list(series, listOpts) {
        try {
          return await catalog.list(series, listOpts);
        } catch (err) {
          if (opts.missingTableIsEmpty && (err as Error).name === 'ResourceNotFoundException')
            return { items: [] };
          throw err;
        }
      },
    },
    async dueReleases(now) {
      try {
        const scheduled = await createDynamoLifecycleCatalog(
          documents,
          config.tables.issues,
        ).scheduledReleases();
        return scheduled.filter((r) => isReleaseDue(r.releaseAt, now)).length;
      } catch (err) {
        if (opts.missingTableIsEmpty && (err as Error).name === 'ResourceNotFoundException')
          return 0;
        throw err;
      }
    },
    close() {
      dynamodb.destroy();
    },
  };
}
