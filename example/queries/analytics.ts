import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, requireEnv, stateTableEnvVar } from '../../index';
import { COUNTED_STATUSES, countKey } from '../domain/analytics';
import { countsView } from '../domain/views';
import { guarded, json } from './http';

const client = createDocumentClient();
const countsTable = requireEnv(stateTableEnvVar('analytics', 'counts'));

/** `GET /stats/orders`: how many orders reached each status (decisions made), as far as analytics has read. */
export const handler = guarded('analytics', async () => {
  const out = await client.send(
    new BatchGetCommand({
      RequestItems: {
        [countsTable]: {
          Keys: COUNTED_STATUSES.map((status) => ({ pk: countKey(status) })),
          ConsistentRead: true,
        },
      },
    }),
  );
  return json(200, countsView(out.Responses?.[countsTable] ?? []));
});
