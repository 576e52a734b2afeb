/**
 * When each event's state change committed (`performance.now()`, by state item key), recorded by the
 * local-mode consumer of the latency run. Its own module, free of config, so the bench can read it
 * while local mode loads the consumer module (which reads its environment at import).
 */
export const appliedAt = new Map<string, number>();
