import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, requireEnv, stateTableEnvVar } from '../../index';
import { rateView } from '../domain/views';
import { guarded, json, missingParam, notFound, pathParam } from './http';

const client = createDocumentClient();
const ratesTable = requireEnv(stateTableEnvVar('payments', 'rates'));

/** `GET /rates/{pair}` (e.g. `/rates/USD-EUR`): the latest rate, from the payments service's rates table. */
export const handler = guarded('payments', async (event) => {
  const pair = pathParam(event, 'pair');
  if (!pair) return missingParam('pair');
  const out = await client.send(
    new GetCommand({ TableName: ratesTable, Key: { pk: pair }, ConsistentRead: true }),
  );
  const view = rateView(out.Item);
  return view ? json(200, view) : notFound(`rate ${pair}`);
});
