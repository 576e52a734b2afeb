/**
 * A Kinesis consumer function's Lambda timeout, in seconds: what `cdk deploy` gives every service's
 * consumer and what local mode's event source mapping puts in each invocation's context. The deadline
 * bounds how long a dead invocation's attempt mark holds its record (shared/consumer/attempts.ts), so
 * local mode must not keep a longer one than AWS would.
 */
export const CONSUMER_TIMEOUT_SECONDS = 30;

/**
 * How far past an attempt mark's deadline the mark still counts as possibly alive
 * (shared/consumer/attempts.ts). The deadline is computed on the writer's clock and compared on the
 * reader's; Lambda hosts keep NTP time (Amazon Time Sync, skew well under a second), so 2 s covers skew
 * and the runtime's own exit. Cost: every real death waits this long on top of the dead invocation's
 * remaining time before the next one may go careful. Here, beside the timeout, because what is derived
 * from it lives on both sides of the catalog: the give-up check's budget per death
 * (shared/catalog/give-up-checks.ts) and the tombstones' grace (shared/consumer/tombstones.ts).
 */
export const MARK_CLOCK_SKEW_MS = 2_000;
