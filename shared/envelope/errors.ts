/** A Kinesis record whose bytes are not a Spine envelope (not JSON, or fields missing/mistyped). */
export class EnvelopeDecodeError extends Error {
  readonly code = 'ENVELOPE_INVALID';
  constructor(
    message: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EnvelopeDecodeError';
  }
}

export const isEnvelopeDecodeError = (error: unknown): error is EnvelopeDecodeError =>
  error instanceof Error && (error as { code?: unknown }).code === 'ENVELOPE_INVALID';
