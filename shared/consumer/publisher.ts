import type { OutboxEntry } from './outbox';

/** Publishing emitted events failed; the entries stay in the outbox and the next invocation retries them. */
export class OutboxPublishError extends Error {
  readonly code = 'OUTBOX_PUBLISH_FAILED';
  constructor(
    readonly failed: number,
    options?: { cause?: unknown },
  ) {
    super(`${failed} emitted event(s) could not be published; they stay in the outbox`, options);
    this.name = 'OutboxPublishError';
  }
}

/** Port to the log for emitted events. */
export interface EventPublisher {
  /** Publishes entries in order; throws `OutboxPublishError` unless every one was acknowledged. */
  publish(entries: readonly OutboxEntry[]): Promise<void>;
  /**
   * Which of these entries' event ids are already in the log, looking from `since` (epoch ms) on.
   * Used only to recover entries a crashed invocation may have published but not deleted, so a
   * recovered entry is published at most once more: never twice.
   */
  findPublished(entries: readonly OutboxEntry[], since: number): Promise<Set<string>>;
}

/** In-memory publisher for tests: keeps what was published, can be told to fail. */
export class MemoryPublisher implements EventPublisher {
  readonly published: OutboxEntry['envelope'][] = [];
  failNext = 0;

  async publish(entries: readonly OutboxEntry[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new OutboxPublishError(entries.length);
    }
    for (const e of entries) this.published.push(e.envelope);
  }

  async findPublished(entries: readonly OutboxEntry[]): Promise<Set<string>> {
    const ids = new Set(this.published.map((e) => e.id));
    return new Set(entries.map((e) => e.envelope.id).filter((id) => ids.has(id)));
  }
}
