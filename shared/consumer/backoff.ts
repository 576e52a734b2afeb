/**
 * Backoff for infrastructure failures, per Lambda container: the event source mapping retries a
 * failed batch at once, so without a pause a throttled table is hammered by every retry. The pause
 * happens inside the invocation (it bills the duration, up to `capMs` = 1 s by default, the
 * mapping's retry then adds its own delay) and never past its deadline.
 */
export class Backoff {
  private consecutive = 0;
  constructor(
    private readonly baseMs = 50,
    private readonly capMs = 1_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** Consecutive infrastructure failures seen by this container since its last success. */
  get failures(): number {
    return this.consecutive;
  }

  succeeded(): void {
    this.consecutive = 0;
  }

  /** Counts a failure and returns the pause to take (full jitter), at most `budgetMs`. */
  failed(budgetMs: number): number {
    this.consecutive += 1;
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.consecutive - 1, 16));
    return Math.max(0, Math.min(budgetMs, Math.round(ceiling * (0.5 + this.random() / 2))));
  }
}
