import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { listensOn } from '../../../local/emulators/listener';
import { freePort, PICK_RANGE } from '../../../local/ports';

const listen = async (port: number) => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
};

describe('freePort', () => {
  it('picks free ports below the ephemeral range, never one it is told to avoid', async () => {
    // Act
    const picked: number[] = [];
    for (let i = 0; i < 20; i++) picked.push(await freePort(picked));

    // Assert: in range, distinct, and each bindable right after the pick.
    expect(new Set(picked).size).toBe(20);
    for (const port of picked) {
      expect(port).toBeGreaterThanOrEqual(PICK_RANGE.low);
      expect(port).toBeLessThan(PICK_RANGE.high);
    }
    const server = await listen(picked[0] ?? 0);
    server.close();
  });
});

describe('listensOn', () => {
  it("tells this process's listening socket from a port nobody here holds", async () => {
    // Prepare
    const server = await listen(await freePort());
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const other = await freePort([port]);

    // Act / Assert (Linux's /proc; elsewhere it cannot tell, and says so with undefined)
    const expected = process.platform === 'linux' ? [true, false] : [undefined, undefined];
    expect([listensOn(process.pid, port), listensOn(process.pid, other)]).toEqual(expected);
    server.close();
  });
});
