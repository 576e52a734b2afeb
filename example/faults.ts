/**
 * Fault switches of the example, for tests and demos. Unlike configuration (read once at cold start),
 * they are read on every call so a running system can be switched without a restart; in AWS, changing
 * a function's environment restarts it anyway.
 */
export const FAULT_ENV = {
  /** Share 0..1 of payment provider calls that fail transiently. @default 0 */
  paymentFailureRate: 'EXAMPLE_PAYMENT_FAILURE_RATE',
  /** `1` makes every analytics invocation fail, to show that other consumers do not wait for it. */
  analyticsFail: 'EXAMPLE_ANALYTICS_FAIL',
} as const;

export const paymentFailureRate = (env: NodeJS.ProcessEnv = process.env): number => {
  const raw = env[FAULT_ENV.paymentFailureRate];
  if (raw === undefined || raw === '') return 0;
  const rate = Number(raw);
  if (!Number.isFinite(rate) || rate < 0 || rate > 1)
    throw new Error(`${FAULT_ENV.paymentFailureRate}=${raw} is not a share between 0 and 1`);
  return rate;
};

export const analyticsFailing = (env: NodeJS.ProcessEnv = process.env): boolean =>
  env[FAULT_ENV.analyticsFail] === '1';
