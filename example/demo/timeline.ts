import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { localClientConfig, localRuntimeTableName, localStateTableName } from '../../local';
import { userView } from '../../shared/consumer';
import { notificationState } from '../domain/notification';
import { orderState } from '../domain/order';
import { paymentState } from '../domain/payment';
import { shipmentState } from '../domain/shipping';
import { parseState } from '../state/parse';

/** One line of the demo's timeline: when, which service, about which order, what it did. */
export interface Step {
  readonly at: number;
  readonly service: string;
  readonly orderId: string;
  readonly what: string;
}

export interface StateReader {
  steps(orderIds: readonly string[]): Promise<Step[]>;
  destroy(): void;
}

const ms = (iso: string | undefined): number => (iso ? Date.parse(iso) : Number.NaN);

/** Reads what each service recorded about the demo's orders, straight from their tables in DynamoDB Local. */
export const stateReader = (dynamodbEndpoint: string): StateReader => {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(dynamodbEndpoint)));
  // Through `userView`, as every direct read of a state table: no `spine:*` attribute, a tombstone absent.
  const get = async (service: string, table: string, pk: string) =>
    userView(
      (await client.send(new GetCommand({ TableName: localStateTableName(service, table), Key: { pk } })))
        .Item,
    );

  const parked = async (): Promise<Step[]> => {
    const steps: Step[] = [];
    const query = {
      TableName: localRuntimeTableName('parking'),
      KeyConditionExpression: 'pk = :s',
      ExpressionAttributeValues: { ':s': 'payments' },
    };
    for await (const page of paginateQuery({ client }, query))
      for (const item of page.Items ?? []) {
        const text = Buffer.from(String(item.data ?? ''), 'base64').toString('utf8');
        const orderId = /"orderId":"([^"]+)"/.exec(text)?.[1] ?? '?';
        steps.push({
          at: ms(String(item.parkedAt)),
          service: 'payments',
          orderId,
          what: `PARKED after ${item.attempts} attempts: ${item.error}`,
        });
      }
    return steps;
  };

  const stepsOf = async (orderId: string): Promise<Step[]> => {
    const steps: Step[] = [];
    const order = parseState(orderState, await get('orders', 'orders', orderId));
    if (order)
      for (const h of order.history)
        steps.push({
          at: ms(h.at),
          service: 'orders',
          orderId,
          what: h.detail ? `${h.status} (${h.detail})` : h.status,
        });
    const p = parseState(paymentState, await get('payments', 'payments', orderId));
    if (p) {
      const what =
        p.status === 'PROCESSED'
          ? `charged ${p.amount.toFixed(2)} ${p.currency}${p.currency === p.homeCurrency ? '' : ` = ${p.homeAmount?.toFixed(2)} ${p.homeCurrency} at ${p.rate}`}`
          : `payment failed: ${p.reason}`;
      steps.push({ at: ms(p.at), service: 'payments', orderId, what });
    }
    const shipment = parseState(shipmentState, await get('shipping', 'shipments', orderId));
    if (shipment) {
      steps.push({
        at: ms(shipment.shippedAt),
        service: 'shipping',
        orderId,
        what: `shipped with ${shipment.carrier}, ${shipment.trackingId}`,
      });
      if (shipment.deliveredAt)
        steps.push({ at: ms(shipment.deliveredAt), service: 'shipping', orderId, what: 'delivered' });
    }
    const notification = parseState(notificationState, await get('notifications', 'notifications', orderId));
    if (notification)
      steps.push({
        at: ms(notification.at),
        service: 'notifications',
        orderId,
        what: `to ${notification.to}: "${notification.text}"`,
      });
    return steps;
  };

  return {
    async steps(orderIds) {
      const all = [
        ...(await Promise.all(orderIds.map(stepsOf))).flat(),
        ...(await parked()).filter((s) => orderIds.includes(s.orderId)),
      ];
      return all.filter((s) => Number.isFinite(s.at)).sort((a, b) => a.at - b.at);
    },
    destroy: () => client.destroy(),
  };
};

/** `+1.234s  payments       o-1  charged ...` */
export const formatStep = (step: Step, start: number): string =>
  `  +${((step.at - start) / 1000).toFixed(3).padStart(7)}s  ${step.service.padEnd(13)} ${step.orderId.padEnd(16)} ${step.what}`;
