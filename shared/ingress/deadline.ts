import { DeadlineReachedError } from './errors';

/**
 * Runs `call` but answers no later than `deadline` (epoch ms on `now`'s clock): past it, rejects with
 * `DeadlineReachedError` and aborts the call's signal, which the SDK's `send(command, { abortSignal })`
 * turns into a cancelled request. Without it one Kinesis call that does not answer runs to the SDK's own
 * bound (request timeout x attempts, 30 s with shared/aws's clients), past a Lambda's end, killing the
 * invocation before it can release or mark its claims. Costs one timer per call.
 */
export const withinDeadline = async <T>(
  deadline: number,
  now: () => number,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> => {
  const remaining = deadline - now();
  if (remaining <= 0) throw new DeadlineReachedError(deadline);
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new DeadlineReachedError(deadline));
    }, remaining);
  });
  try {
    return await Promise.race([call(controller.signal), cut]);
  } finally {
    clearTimeout(timer);
  }
};
