import { describe, expect, it } from 'vitest';
import {
  decodeEnvelope,
  encodeEnvelope,
  markResent,
  RESENT_MARK_MAX_BYTES,
  resentSinceOfBytes,
} from '../../shared/envelope';

const envelope = {
  specversion: '1.0' as const,
  id: 'e-1',
  source: '/producers/test',
  type: 'CounterIncremented',
  time: '2026-11-26T00:00:00.000Z',
  datacontenttype: 'application/json' as const,
  dataschema: 'urn:spine:schema:CounterIncremented:1',
  dataversion: 1,
  partitionkey: 'k',
  data: { counter: 'k', by: 1 },
};

describe('markResent', () => {
  it('sets the mark, keeps the envelope decodable and grows the record by at most the reserved bytes', () => {
    // Prepare
    const bytes = encodeEnvelope(envelope);
    // Act
    const marked = markResent(bytes, Date.parse('2026-11-26T01:02:03.004Z'));
    // Assess
    expect(resentSinceOfBytes(marked)).toBe(Date.parse('2026-11-26T01:02:03.004Z'));
    expect(decodeEnvelope(marked).id).toBe('e-1');
    expect(marked.byteLength - bytes.byteLength).toBeLessThanOrEqual(RESENT_MARK_MAX_BYTES);
  });

  it('keeps the earliest time when a record is marked again', () => {
    const once = markResent(encodeEnvelope(envelope), 2_000);
    expect(resentSinceOfBytes(markResent(once, 5_000))).toBe(2_000);
    expect(resentSinceOfBytes(markResent(once, 1_000))).toBe(1_000);
  });

  it('leaves an unmarked record unmarked and non-JSON bytes unchanged', () => {
    expect(resentSinceOfBytes(encodeEnvelope(envelope))).toBeUndefined();
    const junk = new Uint8Array([0xff, 0x00, 0x41]);
    expect(markResent(junk, 1)).toBe(junk);
  });
});
