/** Where local mode reports what it does. `startBackbone` takes one; tests pass a quiet or recording one. */
export interface LocalLogger {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

const line = (message: string, details?: Record<string, unknown>): string =>
  details && Object.keys(details).length > 0 ? `${message} ${JSON.stringify(details)}` : message;

/** Human-readable lines on stdout/stderr, prefixed so they stand apart from handler logs. */
export const consoleLogger: LocalLogger = {
  info: (message, details) => console.log(`[spine] ${line(message, details)}`),
  warn: (message, details) => console.warn(`[spine] WARN ${line(message, details)}`),
  error: (message, details) => console.error(`[spine] ERROR ${line(message, details)}`),
};

/** Drops everything; for tests that assert on outcomes, not on log lines. */
export const silentLogger: LocalLogger = { info: () => {}, warn: () => {}, error: () => {} };
