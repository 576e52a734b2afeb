/** The DynamoDB Local tables of run 1b (checkpoints, parking and outbox are run 1's). */
export interface AnalyticsTables {
  readonly status: string;
  /** Each design gets its own (a suffix per design), so the bench can check what it counted. */
  readonly counts: string;
  readonly checkpoints: string;
  readonly parking: string;
  readonly outbox: string;
  readonly idempotency: string;
}

export const ANALYTICS_TABLES: AnalyticsTables = {
  status: 'bench-an-status',
  counts: 'bench-an-counts',
  checkpoints: 'bench-eo-checkpoints',
  parking: 'bench-eo-parking',
  outbox: 'bench-eo-outbox',
  idempotency: 'bench-eo-powertools-idempotency',
};

/** How far behind an order's first event its later ones come in the log, in orders. */
export const LAG = 10;
