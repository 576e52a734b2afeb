export { decodeEnvelope, encodeEnvelope } from './codec';
export { EnvelopeDecodeError, isEnvelopeDecodeError } from './errors';
export { dataSchemaUri, type Envelope } from './types';
