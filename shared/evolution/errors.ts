/** Codes of the evolution module's errors, stable across releases. */
export type EvolutionErrorCode = 'LOCK_INVALID' | 'UPCAST_MISSING' | 'UPCAST_FAILED';

/** The lock file cannot be read, a version has no upcaster, or an upcaster threw. */
export class EvolutionError extends Error {
  constructor(
    readonly code: EvolutionErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EvolutionError';
  }
}

export const isEvolutionError = (error: unknown): error is EvolutionError =>
  error instanceof Error &&
  error.name === 'EvolutionError' &&
  typeof (error as { code?: unknown }).code === 'string';
