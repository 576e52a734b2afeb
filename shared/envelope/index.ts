export { decodeEnvelope, encodeEnvelope } from './codec';
export { EnvelopeDecodeError, isEnvelopeDecodeError } from './errors';
export { derivedUuid } from './ids';
export { dataSchemaUri, type Envelope } from './types';
