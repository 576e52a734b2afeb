/** The DynamoDB Local tables of run 1b (checkpoints, parking and outbox are run 1's). */
export const ANALYTICS_TABLES = {
  status: 'bench-an-status',
  counts: 'bench-an-counts',
  checkpoints: 'bench-eo-checkpoints',
  parking: 'bench-eo-parking',
  outbox: 'bench-eo-outbox',
  idempotency: 'bench-eo-powertools-idempotency',
} as const;

export type AnalyticsTables = typeof ANALYTICS_TABLES;

/** How far behind an order's first event its later ones come in the log, in orders. */
export const LAG = 10;
