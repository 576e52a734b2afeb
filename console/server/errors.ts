/** Stable codes of the console server's own refusals; ops errors keep their `OpsErrorCode`. */
export type ConsoleErrorCode =
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_REQUEST'
  | 'PAGE_BUILD_FAILED'
  | 'PORT_IN_USE';

const STATUS: Record<ConsoleErrorCode, number> = {
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_REQUEST: 400,
  PAGE_BUILD_FAILED: 500,
  PORT_IN_USE: 500,
};

/** A request the console refuses, or a server that cannot start; the message says what is wrong. */
export class ConsoleError extends Error {
  readonly status: number;
  constructor(
    readonly code: ConsoleErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ConsoleError';
    this.status = STATUS[code];
  }
}

export const isConsoleError = (error: unknown): error is ConsoleError =>
  error instanceof Error &&
  error.name === 'ConsoleError' &&
  typeof (error as { code?: unknown }).code === 'string';
