import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isPortInUseError } from '../../../local';
import { listensOn } from '../../../local/emulators/listener';
import { freePort, PICK_RANGE, reservePort } from '../../../local/ports';

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

describe('reservePort', () => {
  it('refuses a held port at once without patience, and with patience takes it once it frees', async () => {
    // Prepare: a port held as an exiting emulator holds it, released 1 s into the second call
    const port = await freePort();
    const holder = await listen(port);
    // Act
    const atOnce = await reservePort('dynamodb', port).catch((error: unknown) => error);
    setTimeout(() => holder.close(), 1_000);
    const started = Date.now();
    const patient = await reservePort('dynamodb', port, 30_000);
    // Assert
    expect(isPortInUseError(atOnce)).toBe(true);
    expect(patient).toBe(port);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('refuses a port still held when its patience runs out', async () => {
    // Prepare
    const port = await freePort();
    const holder = await listen(port);
    // Act
    const started = Date.now();
    const failure = await reservePort('kinesis', port, 500).catch((error: unknown) => error);
    holder.close();
    // Assert
    expect(isPortInUseError(failure)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  });
});
