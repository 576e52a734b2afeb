import { createServer, type Server, type Socket } from 'node:net';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpHandler } from '../../shared/aws';
import { classifyCallFailure, sendPutRecordsOnce } from '../../shared/ingress';

/** A local server that accepts connections and never answers: a call to it ends only by its abort. */
const silentServer = async () => {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

describe('sendPutRecordsOnce', () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close();
  });

  it('aborts a call that outlives its timeout, as unanswered (outcome unknown)', async () => {
    // Prepare: the HTTP handler would wait 60 s, so only the call's own timeout can end it early.
    const server = await silentServer();
    open.push(server);
    const client = new KinesisClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      requestHandler: createHttpHandler({ requestTimeout: 60_000 }),
    });
    const began = Date.now();

    // Act
    const error = await sendPutRecordsOnce(
      client,
      { StreamName: 's', Records: [{ Data: new Uint8Array([1]), PartitionKey: 'k' }] },
      300,
    ).catch((e: unknown) => e);

    // Assess: ended by the abort well before the handler's timeout, and classified as possibly stored.
    client.destroy();
    expect(error).toBeInstanceOf(Error);
    expect(Date.now() - began).toBeLessThan(30_000);
    expect(classifyCallFailure(error)).toMatchObject({ uncertain: true, retryable: true });
  });
});
