import { describe, expect, it } from 'vitest';
import { createAcknowledgedKeys } from '../../shared/ingress';

const result = (n: number) => ({
  id: `evt-${n}`,
  shardId: 'shardId-000000000000',
  sequenceNumber: String(n),
});

describe('createAcknowledgedKeys', () => {
  it('recalls a key for its payload until the claim may expire, and never after', () => {
    // Prepare
    const keys = createAcknowledgedKeys();
    keys.remember('k', 'h', result(1), 10_000);
    // Act
    const before = keys.recall('k', 'h', 9_999);
    const otherPayload = keys.recall('k', 'other', 9_999);
    const atExpiry = keys.recall('k', 'h', 10_000);
    // Assess
    expect(before).toEqual(result(1));
    expect(otherPayload).toBeUndefined();
    expect(atExpiry).toBeUndefined();
  });

  it('forgets the oldest keys past its capacity, keeping the newest', () => {
    // Prepare
    const keys = createAcknowledgedKeys(2);
    // Act
    for (const n of [1, 2, 3]) keys.remember(`k${n}`, 'h', result(n), 10_000);
    // Assess
    expect(keys.recall('k1', 'h', 0)).toBeUndefined();
    expect(keys.recall('k2', 'h', 0)).toEqual(result(2));
    expect(keys.recall('k3', 'h', 0)).toEqual(result(3));
  });
});
