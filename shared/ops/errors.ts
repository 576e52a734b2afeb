/** Stable codes of the operations paths; the CLI maps them to exit codes and messages. */
export type OpsErrorCode =
  | 'INVALID_POSITION'
  | 'INVALID_ARGUMENT'
  | 'UNKNOWN_SERVICE'
  | 'UNKNOWN_TOPIC'
  | 'NOT_SUBSCRIBED'
  | 'SESSION_CONFLICT'
  | 'CONFIRMATION_REQUIRED'
  | 'PAUSE_TIMEOUT'
  | 'PARKED_NOT_FOUND'
  | 'PARKED_INCOMPLETE'
  | 'MAY_BE_APPLIED'
  | 'DELIVERY_FAILED'
  | 'NOT_CONFIGURED';

/** Anything an operator asked for that cannot be done as asked; the message says what to change. */
export class OpsError extends Error {
  constructor(
    readonly code: OpsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OpsError';
  }
}

export const isOpsError = (error: unknown): error is OpsError =>
  error instanceof Error &&
  error.name === 'OpsError' &&
  typeof (error as { code?: unknown }).code === 'string';
