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
export {
  CORE_ATTRIBUTES,
  dataSchemaUri,
  type Envelope,
  type ExtensionValue,
  isExtensionName,
  RESERVED_ATTRIBUTES,
  SPINE_ATTRIBUTES,
} from './types';
