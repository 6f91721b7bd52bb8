/**
 * The release calendar's changes in the catalog's table: one item per planned release that was
 * moved or cancelled (`pk=CALENDAR`, `sk=<entry key>`), its changes appended in order with
 * `list_append`. Listing them is one Query of that partition.
 */
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryAll } from './paged-query.ts';
import type { CalendarAmendment, CalendarStore } from '../../app/ports.ts';

const PK = 'CALENDAR';

export function createDynamoCalendarStore(
  documents: DynamoDBDocumentClient,
  tableName: string,
): CalendarStore {
  const toAmendment = (item: Record<string, unknown>): CalendarAmendment => ({
    entryKey: String(item.sk),
    changes: (item.changes ?? []) as CalendarAmendment['changes'],
  });
  return {
    async amendments() {
      const items = await queryAll(documents, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': PK },
        ConsistentRead: true,
      });
      return items.map(toAmendment);
    },

    async recordChange(entryKey, change) {
      const out = await documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: PK, sk: entryKey },
          UpdateExpression: 'SET changes = list_append(if_not_exists(changes, :none), :c)',
          ExpressionAttributeValues: {
            ':none': [],
            ':c': [Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined))],
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toAmendment(out.Attributes ?? {});
    },
  };
}
