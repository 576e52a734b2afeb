import { renameSync, writeFileSync } from 'node:fs';

/**
 * Counts of fired faults by stable kind name (e.g. `kinesis.lostResponse.hangup`), shared by every
 * relay and the handler faults of one run. With `file`, every change is written there as a JSON
 * object so another process (the chaos run) can read what fired; that costs one small synchronous
 * write per fault, which is negligible next to the request it disturbed. The write goes to a temporary
 * file that is then renamed over the old one, so a reader, or a process killed mid-write, never
 * leaves or sees a truncated file.
 */
export class FaultCounts {
  private readonly counts = new Map<string, number>();

  constructor(private readonly file?: string) {}

  add(kind: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    if (!this.file) return;
    writeFileSync(`${this.file}.tmp`, JSON.stringify(this.snapshot()));
    renameSync(`${this.file}.tmp`, this.file);
  }

  get(kind: string): number {
    return this.counts.get(kind) ?? 0;
  }

  /** Sum over every kind that starts with `prefix`. */
  total(prefix = ''): number {
    let sum = 0;
    for (const [kind, n] of this.counts) if (kind.startsWith(prefix)) sum += n;
    return sum;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }
}
