import { describe, expect, it } from 'vitest';
import { createDynamoClient, createKinesisClient } from '../../shared/aws';

describe('client factories', () => {
  it.each([
    ['Kinesis', createKinesisClient],
    ['DynamoDB', createDynamoClient],
  ] as const)(
    'build %s clients without the SDK logger middleware, the rest of the stack kept',
    (_, create) => {
      // Act
      const client = create();
      const stack = client.middlewareStack.identify();
      client.destroy();

      // Assess: the no-op logging is gone (the SDK would copy every input and output for it); signing,
      // retries and (de)serialization are still there.
      expect(stack.some((name) => name.startsWith('loggerMiddleware'))).toBe(false);
      expect(stack.some((name) => name.startsWith('retryMiddleware'))).toBe(true);
      expect(stack.some((name) => name.startsWith('httpSigningMiddleware'))).toBe(true);
      expect(stack.some((name) => name.startsWith('serializerMiddleware'))).toBe(true);
    },
  );
});
