import { RESENT_ATTRIBUTE } from '../envelope';
import { OutboxRecoveryDeferredError } from './errors';
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

export interface PublishOptions {
  /**
   * Mark every record as a possible second copy (`spineresent` = the entry's `createdAt`): recovery
   * publishes entries whose first publish may have landed unseen, so consumers dedupe them.
   */
  readonly resent?: boolean;
}

/** Port to the log for emitted events. */
export interface EventPublisher {
  /** Publishes entries in order; throws `OutboxPublishError` unless every one was acknowledged. */
  publish(entries: readonly OutboxEntry[], options?: PublishOptions): Promise<void>;
  /**
   * Which of these entries' event ids are already in the log, looking from `since` (epoch ms) on.
   * Used only to recover entries a crashed invocation may have published but not deleted. Throws
   * `OutboxRecoveryDeferredError` (`search-undecided`) when it cannot decide by `deadline` (epoch ms):
   * an incomplete search is never read as "not published".
   */
  findPublished(entries: readonly OutboxEntry[], since: number, deadline: number): Promise<Set<string>>;
}

/** An envelope as the memory log holds it: with the re-send mark when it was published as a copy. */
export type PublishedEnvelope = OutboxEntry['envelope'] & { readonly [RESENT_ATTRIBUTE]?: string };

/** In-memory publisher for tests: keeps what was published, can be told to fail or to be undecided. */
export class MemoryPublisher implements EventPublisher {
  readonly published: PublishedEnvelope[] = [];
  failNext = 0;
  /** The next n searches throw as an undecided Kinesis search does. */
  undecidedNext = 0;

  async publish(entries: readonly OutboxEntry[], options: PublishOptions = {}): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new OutboxPublishError(entries.length);
    }
    for (const e of entries)
      this.published.push(
        options.resent
          ? { ...e.envelope, [RESENT_ATTRIBUTE]: new Date(e.createdAt).toISOString() }
          : e.envelope,
      );
  }

  async findPublished(
    entries: readonly OutboxEntry[],
    _since: number,
    deadline: number,
  ): Promise<Set<string>> {
    if (this.undecidedNext > 0 || Date.now() > deadline) {
      this.undecidedNext = Math.max(0, this.undecidedNext - 1);
      throw new OutboxRecoveryDeferredError('search-undecided', 'memory log search undecided');
    }
    const ids = new Set(this.published.map((e) => e.id));
    return new Set(entries.map((e) => e.envelope.id).filter((id) => ids.has(id)));
  }
}
