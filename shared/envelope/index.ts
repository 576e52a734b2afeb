export { decodeEnvelope, encodeEnvelope } from './codec';
export { EnvelopeDecodeError, isEnvelopeDecodeError } from './errors';
export { derivedUuid } from './ids';
export {
  markResent,
  RESENT_ATTRIBUTE,
  RESENT_MARK_MAX_BYTES,
  resentSinceOf,
  resentSinceOfBytes,
} from './resent';
export { dataSchemaUri, type Envelope } from './types';
