/**
 * Typed errors of local mode. Each says what is wrong and what to do about it, because the person
 * reading them just typed `npm start`; `main.ts` prints the message and exits non-zero.
 */
const CODES = [
  'PORT_IN_USE',
  'JAVA_UNAVAILABLE',
  'EMULATOR_START_FAILED',
  'EMULATOR_STOP_FAILED',
  'EMULATOR_EXITED',
  'BACKBONE_ALREADY_RUNNING',
  'HANDLER_LOAD_FAILED',
] as const;

export type LocalModeErrorCode = (typeof CODES)[number];

export class LocalModeError extends Error {
  constructor(
    readonly code: LocalModeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LocalModeError';
  }
}

export const isLocalModeError = (error: unknown): error is LocalModeError =>
  error instanceof Error && (CODES as readonly unknown[]).includes((error as { code?: unknown }).code);

/** Which listener a port belongs to, and the variable that moves it. */
export type PortRole = 'ingress' | 'kinesis' | 'dynamodb';

const PORT_ENV: Record<PortRole, string> = {
  ingress: 'SPINE_PORT',
  kinesis: 'SPINE_KINESIS_PORT',
  dynamodb: 'SPINE_DYNAMODB_PORT',
};

export class PortInUseError extends LocalModeError {
  constructor(
    readonly role: PortRole,
    readonly port: number,
    cause?: unknown,
  ) {
    super(
      'PORT_IN_USE',
      `Port ${port} (${role}) is already in use. Stop the program using it, or pick another port: ` +
        `${PORT_ENV[role]}=${port + 1} npm start`,
      { cause },
    );
    this.name = 'PortInUseError';
  }
}

export const isPortInUseError = (error: unknown): error is PortInUseError =>
  isLocalModeError(error) && error.code === 'PORT_IN_USE';

export class JavaUnavailableError extends LocalModeError {
  constructor(detail: string, cause?: unknown) {
    super(
      'JAVA_UNAVAILABLE',
      `DynamoDB Local needs Java 17 or newer: ${detail}. Install Java 17 ` +
        '(e.g. `apt-get install openjdk-17-jre-headless` or `brew install openjdk@17`), make sure `java` is on PATH, and retry.',
      { cause },
    );
    this.name = 'JavaUnavailableError';
  }
}

export class EmulatorStartError extends LocalModeError {
  constructor(
    readonly emulator: string,
    detail: string,
    readonly output: readonly string[],
    cause?: unknown,
  ) {
    const tail = output.length > 0 ? `\nLast lines of its output:\n  ${output.join('\n  ')}` : '';
    super('EMULATOR_START_FAILED', `${emulator} did not start: ${detail}${tail}`, { cause });
    this.name = 'EmulatorStartError';
  }
}

/**
 * An emulator could not have the port it was given: it died of a bind error, or the port it was to
 * serve is answered by another process. Raised only at start; a picked port is then picked again
 * (emulators/picked.ts), a configured one is reported.
 */
export class EmulatorPortTakenError extends EmulatorStartError {
  constructor(
    emulator: string,
    readonly port: number,
    detail: string,
    output: readonly string[],
    cause?: unknown,
  ) {
    super(emulator, `port ${port} ${detail}`, output, cause);
    this.name = 'EmulatorPortTakenError';
  }
}

export class EmulatorStopError extends LocalModeError {
  constructor(
    readonly emulator: string,
    readonly pid: number,
  ) {
    super(
      'EMULATOR_STOP_FAILED',
      `${emulator} (pid ${pid}) is still running after SIGKILL; stop it by hand.`,
    );
    this.name = 'EmulatorStopError';
  }
}

export class EmulatorExitedError extends LocalModeError {
  constructor(
    readonly emulator: string,
    readonly exit: { readonly code: number | null; readonly signal: string | null },
    readonly output: readonly string[],
  ) {
    const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
    const tail = output.length > 0 ? `\nLast lines of its output:\n  ${output.join('\n  ')}` : '';
    super(
      'EMULATOR_EXITED',
      `${emulator} ${how} while local mode was running; local mode cannot go on without it and stops. ` +
        `Start it again with \`npm start\`: data saved before the exit is kept.${tail}`,
    );
    this.name = 'EmulatorExitedError';
  }
}

export class BackboneAlreadyRunningError extends LocalModeError {
  constructor(
    readonly home: string,
    readonly pid: number,
  ) {
    super(
      'BACKBONE_ALREADY_RUNNING',
      `Another local backbone (pid ${pid}) is running with data dir ${home}. Stop it first, ` +
        'or use another data dir: SPINE_HOME=/some/other/dir npm start',
    );
    this.name = 'BackboneAlreadyRunningError';
  }
}

export class HandlerLoadError extends LocalModeError {
  constructor(
    readonly modulePath: string,
    detail: string,
    cause?: unknown,
  ) {
    super('HANDLER_LOAD_FAILED', `Cannot load the handler from ${modulePath}: ${detail}`, { cause });
    this.name = 'HandlerLoadError';
  }
}
