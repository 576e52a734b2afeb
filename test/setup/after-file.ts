import sinon from 'sinon';
import { afterAll, vi } from 'vitest';
import { removeTrackedDirs } from './temp-dirs';

/**
 * Runs before each test file, shared worker or not, so these hooks land on every file's root suite.
 * Files of the `shared` project (vitest.config.ts) share one process: whatever a file stubs, it must
 * not outlive the file. aws-sdk-client-mock stubs `send` on a client class's prototype in sinon's
 * default sandbox (`mockClient(LambdaClient)`), which would answer every later file's LambdaClient;
 * vitest's own stubs (spies, env, globals, fake timers) are undone here too.
 */
afterAll(() => {
  sinon.restore();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  vi.useRealTimers();
  removeTrackedDirs();
});
