import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { undoStubs } from '../setup/undo-stubs';

// Files of the `shared` project share a process, so the after-file hook must really take a class-level
// client mock away: with the wrong sinon instance it did not, and later files' clients answered undefined.
describe('test setup: undoStubs', () => {
  it('removes class-level aws-sdk-client-mock stubs, so the next file gets the real send', async () => {
    // Prepare
    const kinesisSend = KinesisClient.prototype.send;
    mockClient(KinesisClient).on(ListShardsCommand).resolves({ Shards: [] });
    mockClient(DynamoDBClient);
    const stubbed = Object.hasOwn(KinesisClient.prototype, 'send');
    // Act
    undoStubs();
    // Assess
    expect(stubbed).toBe(true);
    expect(Object.hasOwn(KinesisClient.prototype, 'send')).toBe(false);
    expect(Object.hasOwn(DynamoDBClient.prototype, 'send')).toBe(false);
    expect(KinesisClient.prototype.send).toBe(kinesisSend);
  });
});
