import { afterAll } from 'vitest';
import { removeTrackedDirs } from './temp-dirs';
import { undoStubs } from './undo-stubs';

/**
 * Runs before each test file, shared worker or not, so this hook lands on every file's root suite.
 * Files of the `shared` project (vitest.config.ts) share one process: whatever a file stubs must not
 * outlive the file (`undoStubs`), nor its temp dirs.
 */
afterAll(() => {
  undoStubs();
  removeTrackedDirs();
});
