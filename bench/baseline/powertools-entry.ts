import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { catalog } from '../lib/catalog';
import { createPowertoolsConsumer } from './powertools-consumer';

/**
 * Lambda entry of the baseline consumer, shaped like `example/services/orders.ts` (config read and
 * clients created at cold start) so the cold-start bench compares like with like.
 */
interface OrderLine {
  readonly quantity: number;
  readonly unitPrice: number;
}

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

export const handler = createPowertoolsConsumer({
  catalog,
  client: new DynamoDBClient({}),
  stateTable: env('BASELINE_STATE_TABLE'),
  idempotencyTable: env('BASELINE_IDEMPOTENCY_TABLE'),
  // The order item, as `orderFromRequest` in the example service builds it (not imported: that module
  // would pull the Spine runtime into this bundle).
  toItem: (data) => {
    const order = data as { orderId: string; customerId: string; currency?: string; items: OrderLine[] };
    return {
      pk: order.orderId,
      customerId: order.customerId,
      currency: order.currency ?? 'EUR',
      total: order.items.reduce((sum, i) => sum + i.quantity * i.unitPrice, 0),
      status: 'REQUESTED',
      history: [{ status: 'REQUESTED', at: new Date().toISOString() }],
    };
  },
});
