import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** One file's time in a run, in seconds. */
export interface FileDuration {
  /** What the file held its worker for: preparing, importing (collect), the setup file, hooks and tests. */
  readonly seconds: number;
  /** Importing the file and its module graph, with its suite callbacks (vitest's `collectDuration`). */
  readonly importSeconds: number;
  /** Its hooks and tests (vitest's `duration`): `beforeAll` starting emulators or local mode counts here. */
  readonly runSeconds: number;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/**
 * Writes each file's whole time to `outputFile` as `{ "test/...": FileDuration }`, for
 * `scripts/test-durations.ts`. Why not the JSON reporter's report: its file `startTime` and `endTime`
 * span the first test's start to the last test's end, so a file's `beforeAll` and its imports are left
 * out. A file that starts local mode in its hooks looked short there (example-order-flow: 11 s in the
 * JSON report of a fresh-clone suite run, 77 s in the same run's console), so the sequencer started it
 * late.
 */
export class FileDurationsReporter implements Reporter {
  constructor(private readonly outputFile: string) {}

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const root = process.cwd();
    const files: Record<string, FileDuration> = {};
    for (const module of testModules) {
      const d = module.diagnostic();
      files[relative(root, module.moduleId)] = {
        seconds: seconds(d.prepareDuration + d.collectDuration + d.setupDuration + d.duration),
        importSeconds: seconds(d.collectDuration),
        runSeconds: seconds(d.duration),
      };
    }
    mkdirSync(dirname(this.outputFile), { recursive: true });
    writeFileSync(this.outputFile, `${JSON.stringify(files, null, 2)}\n`);
  }
}
