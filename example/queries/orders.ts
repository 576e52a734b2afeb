import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, requireEnv, stateTableEnvVar } from '../../index';
import { orderView } from '../domain/views';
import { guarded, json, missingParam, notFound, pathParam } from './http';

const client = createDocumentClient();
const ordersTable = requireEnv(stateTableEnvVar('orders', 'orders'));

/** `GET /orders/{orderId}`: the order's status and history, from the orders service's own table. */
export const handler = guarded('orders', async (event) => {
  const orderId = pathParam(event, 'orderId');
  if (!orderId) return missingParam('orderId');
  const out = await client.send(
    new GetCommand({ TableName: ordersTable, Key: { pk: orderId }, ConsistentRead: true }),
  );
  const view = orderView(out.Item);
  return view ? json(200, view) : notFound(`order ${orderId}`);
});
