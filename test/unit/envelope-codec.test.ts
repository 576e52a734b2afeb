import { describe, expect, it } from 'vitest';
import { decodeEnvelope, type Envelope, encodeEnvelope, markResent } from '../../shared/envelope';

const envelope = (extra: Partial<Envelope> = {}): Envelope => ({
  specversion: '1.0',
  id: 'e-1',
  source: '/shop',
  type: 'OrderRequested',
  time: '2024-05-01T12:00:00Z',
  datacontenttype: 'application/json',
  dataschema: 'urn:spine:schema:OrderRequested:1',
  dataversion: 1,
  partitionkey: 'o-1',
  data: { orderId: 'o-1' },
  ...extra,
});

const wire = (bytes: Uint8Array): Record<string, unknown> =>
  JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;

describe('envelope codec', () => {
  it('writes subject and extensions as top-level members and reads them back', () => {
    // Prepare
    const original = envelope({
      subject: 'orders/o-1',
      extensions: { extinteger: 7, extflag: false, constructor: 'x' },
    });
    // Act
    const bytes = encodeEnvelope(original);
    // Assess
    expect(wire(bytes)).toMatchObject({
      subject: 'orders/o-1',
      extinteger: 7,
      extflag: false,
      constructor: 'x',
    });
    expect(wire(bytes)).not.toHaveProperty('extensions');
    expect(decodeEnvelope(bytes)).toEqual(original);
  });

  it('never lets an extension overwrite a core or Spine attribute', () => {
    // Prepare
    const forged = envelope({ extensions: { id: 'forged', partitionkey: 'other', spineresent: 'x', ok: 1 } });
    // Act
    const decoded = decodeEnvelope(encodeEnvelope(forged));
    // Assess
    expect(decoded).toMatchObject({ id: 'e-1', partitionkey: 'o-1', extensions: { ok: 1 } });
    expect(wire(encodeEnvelope(forged))).not.toHaveProperty('spineresent');
  });

  it('leaves the re-send mark out of the extensions and keeps the extensions of a marked record', () => {
    // Prepare
    const bytes = markResent(
      encodeEnvelope(envelope({ extensions: { extstring: 's' } })),
      Date.parse('2024-05-01T12:00:00Z'),
    );
    // Act
    const decoded = decodeEnvelope(bytes);
    // Assess
    expect(decoded.extensions).toEqual({ extstring: 's' });
  });

  it('reads records of before extensions were kept: no subject, no extensions, JSON data', () => {
    // Prepare
    const { datacontenttype: _, ...old } = envelope();
    // Act
    const decoded = decodeEnvelope(Buffer.from(JSON.stringify(old)));
    // Assess
    expect(decoded).toEqual(envelope());
    expect(decoded).not.toHaveProperty('extensions');
  });

  it('treats a null member as unset and refuses an object where an extension should be', () => {
    // Prepare
    const nulls = Buffer.from(JSON.stringify({ ...envelope(), subject: null, extnull: null }));
    const object = Buffer.from(JSON.stringify({ ...envelope(), extobject: { a: 1 } }));
    // Act
    const decoded = decodeEnvelope(nulls);
    // Assess
    expect(decoded).not.toHaveProperty('subject');
    expect(decoded).not.toHaveProperty('extensions');
    expect(() => decodeEnvelope(object)).toThrow(/extension "extobject"/);
  });
});
