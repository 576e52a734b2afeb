/**
 * A Kinesis consumer function's Lambda timeout, in seconds: what `cdk deploy` gives every service's
 * consumer and what local mode's event source mapping puts in each invocation's context. The deadline
 * bounds how long a dead invocation's attempt mark holds its record (shared/consumer/attempts.ts), so
 * local mode must not keep a longer one than AWS would.
 */
export const CONSUMER_TIMEOUT_SECONDS = 30;
