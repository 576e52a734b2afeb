import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  Backoff,
  CheckpointConflictError,
  classifyFailure,
  OutboxPublishError,
  StoreUnavailableError,
} from '../../shared/consumer';

const named = (name: string, extra: Record<string, unknown> = {}): Error =>
  Object.assign(Object.assign(new Error(name), { name }), extra);
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

describe('classifyFailure', () => {
  const cases: readonly [string, unknown, 'infrastructure' | 'deterministic'][] = [
    ['throttling', named('ThrottlingException'), 'infrastructure'],
    ['provisioned throughput', named('ProvisionedThroughputExceededException'), 'infrastructure'],
    ['request limit', named('RequestLimitExceeded'), 'infrastructure'],
    ['transaction conflict (exception)', named('TransactionConflictException'), 'infrastructure'],
    ['transaction in progress (same token)', named('TransactionInProgressException'), 'infrastructure'],
    ['transaction cancelled by a conflict', cancelled('None', 'TransactionConflict'), 'infrastructure'],
    ['transaction cancelled by throttling', cancelled('ThrottlingError', 'None'), 'infrastructure'],
    ['checkpoint conflict', new CheckpointConflictError('s#t/shard'), 'infrastructure'],
    ['sdk timeout', named('TimeoutError'), 'infrastructure'],
    ['socket reset', named('Error', { code: 'ECONNRESET' }), 'infrastructure'],
    ['5xx', named('InternalServerError', { $metadata: { httpStatusCode: 500 } }), 'infrastructure'],
    ['unknown 503', named('Weird', { $metadata: { httpStatusCode: 503 } }), 'infrastructure'],
    ['outbox publish', new OutboxPublishError(2), 'infrastructure'],
    ['retry later from another module', named('CopySearchUndecided', { retryLater: true }), 'infrastructure'],
    [
      'item over 400 KB',
      named('ValidationException', { $metadata: { httpStatusCode: 400 } }),
      'deterministic',
    ],
    ['handler own condition failed', cancelled('ConditionalCheckFailed', 'None'), 'deterministic'],
    [
      'condition failed beside a conflict',
      cancelled('ConditionalCheckFailed', 'TransactionConflict'),
      'deterministic',
    ],
    ['validation reason', cancelled('ValidationError'), 'deterministic'],
    ['plain error', new Error('boom'), 'deterministic'],
    ['not an error', 'boom', 'deterministic'],
  ];
  it.each(cases)('classifies %s', (_, error, kind) => {
    // Prepare: the table row. Act
    const result = classifyFailure(error);
    // Assess
    expect(result).toBe(kind);
  });

  it('treats a handler exception as deterministic even when it looks transient, unless it is a store read', () => {
    // Prepare
    const providerTimeout = named('TimeoutError');
    const storeRead = new StoreUnavailableError({ cause: named('ThrottlingException') });

    // Act
    const kinds = [classifyFailure(providerTimeout, 'handler'), classifyFailure(storeRead, 'handler')];

    // Assess
    expect(kinds).toEqual(['deterministic', 'infrastructure']);
  });
});

describe('Backoff', () => {
  it('grows with consecutive failures up to its cap, never past the budget, and resets on success', () => {
    // Prepare
    const backoff = new Backoff(100, 1_000, () => 1);

    // Act
    const pauses = [1, 2, 3, 4, 5, 6].map(() => backoff.failed(10_000));
    const bounded = backoff.failed(30);
    backoff.succeeded();
    const afterSuccess = backoff.failed(10_000);

    // Assess
    expect(pauses).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(bounded).toBe(30);
    expect(afterSuccess).toBe(100);
  });
});
