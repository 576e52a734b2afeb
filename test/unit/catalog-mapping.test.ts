import { describe, expect, it } from 'vitest';
import { eventSourceMappingSettings, type SubscriptionSpec } from '../../shared/catalog';

describe('eventSourceMappingSettings', () => {
  const subscription: SubscriptionSpec = {
    topic: 'orders',
    batchSize: 25,
    batchingWindowSeconds: 2,
    parallelizationFactor: 3,
    startingPosition: 'LATEST',
    retry: { maxAttempts: 4, bisectOnError: true, maxRecordAgeSeconds: 600 },
  };

  it('carries batching, parallelization and bisect from the catalog, and never gives up whatever the retry policy says', () => {
    // Act
    const settings = eventSourceMappingSettings(subscription);
    // Assess
    expect(settings).toEqual({
      batchSize: 25,
      maximumBatchingWindowInSeconds: 2,
      parallelizationFactor: 3,
      startingPosition: 'LATEST',
      maximumRetryAttempts: -1,
      maximumRecordAgeInSeconds: -1,
      bisectBatchOnFunctionError: true,
      reportBatchItemFailures: true,
    });
  });

  it('leaves bisect off when the catalog does', () => {
    // Act
    const settings = eventSourceMappingSettings({
      ...subscription,
      retry: { maxAttempts: 4, bisectOnError: false },
    });
    // Assess
    expect(settings.bisectBatchOnFunctionError).toBe(false);
  });
});
