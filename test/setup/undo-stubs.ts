import { createRequire } from 'node:module';
import { vi } from 'vitest';

/**
 * The sinon that aws-sdk-client-mock stubs with. `mockClient(KinesisClient)` stubs `send` on the class's
 * prototype in sinon's default sandbox, and that is the CommonJS build the library `require`s: an
 * `import` of sinon here would load its ESM build, another default sandbox, whose `restore()` leaves the
 * library's stubs in place (seen: a later file's KinesisClient answered `undefined`).
 */
const clientMockSinon: { restore(): void } = createRequire(
  createRequire(import.meta.url).resolve('aws-sdk-client-mock'),
)('sinon');

/** Undoes what a test file stubbed: SDK client mocks, vitest spies, env, globals and fake timers. */
export const undoStubs = (): void => {
  clientMockSinon.restore();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  vi.useRealTimers();
};
