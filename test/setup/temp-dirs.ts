import { rmSync } from 'node:fs';

const tracked: string[] = [];

/**
 * Removes `dir` after the current test file. A hook registered by a helper module at import would run
 * only for the first file that imports it when files share a worker (the `shared` project,
 * `isolate: false`), so the hook lives in a setup file instead (`after-file.ts`), which vitest
 * runs before every file.
 */
export const removeAfterFile = (dir: string): void => {
  tracked.push(dir);
};

/** Removes every directory tracked so far. */
export const removeTrackedDirs = (): void => {
  for (const dir of tracked.splice(0)) rmSync(dir, { recursive: true, force: true });
};
