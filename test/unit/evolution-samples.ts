import fc from 'fast-check';

type Schema = Record<string, unknown>;
const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/**
 * Values for the subset of JSON Schema the property check uses (type, enum/const, numeric and length
 * bounds, multipleOf, properties/required/additionalProperties, items/prefixItems). Not a validator:
 * callers filter with Ajv, so a value this generates outside the schema is discarded, never trusted.
 */
export const valuesOf = (schema: unknown): fc.Arbitrary<unknown> => {
  if (schema === true || (isSchema(schema) && Object.keys(schema).length === 0)) return fc.jsonValue();
  if (!isSchema(schema)) return fc.constant(null);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return fc.oneof(...types.map((t) => valuesOfType(String(t), schema)));
};

const valuesOfType = (type: string, s: Schema): fc.Arbitrary<unknown> => {
  switch (type) {
    case 'integer': {
      const step = num(s.multipleOf) ?? 1;
      const min = num(s.minimum) ?? (num(s.exclusiveMinimum) ?? -1000) + 1;
      const max = num(s.maximum) ?? (num(s.exclusiveMaximum) ?? 1000) - 1;
      return fc
        .integer({ min: Math.ceil(min / step), max: Math.max(Math.ceil(min / step), Math.floor(max / step)) })
        .map((n) => n * step);
    }
    case 'number':
      return fc.oneof(valuesOfType('integer', s), fc.double({ min: -1000, max: 1000, noNaN: true }));
    case 'string':
      // Uniform lengths, so values near the upper bound are as likely as short ones.
      return fc
        .integer({ min: num(s.minLength) ?? 0, max: num(s.maxLength) ?? 12 })
        .chain((length) => fc.string({ minLength: length, maxLength: length }));
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const prefix = Array.isArray(s.prefixItems) ? s.prefixItems.map(valuesOf) : [];
      const rest = s.items === false ? [] : undefined;
      const tail = fc.array(valuesOf(s.items ?? true), {
        minLength: Math.max(0, (num(s.minItems) ?? 0) - prefix.length),
        maxLength: rest ? 0 : Math.max(0, (num(s.maxItems) ?? prefix.length + 4) - prefix.length),
      });
      return fc.tuple(fc.tuple(...prefix), tail).map(([p, t]) => [...p, ...t]);
    }
    case 'object': {
      const properties = isSchema(s.properties) ? s.properties : {};
      const required = Array.isArray(s.required) ? s.required.map(String) : [];
      const declared = fc.record(
        Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, valuesOf(v)])),
        { requiredKeys: required.filter((r) => r in properties) },
      );
      if (s.additionalProperties === false) return declared;
      const extra = fc.dictionary(
        fc.string({ minLength: 1, maxLength: 4 }).filter((k) => !(k in properties) && k !== '__proto__'),
        valuesOf(s.additionalProperties ?? true),
        { maxKeys: 2 },
      );
      return fc.tuple(declared, extra).map(([d, e]) => ({ ...e, ...d }));
    }
    default:
      return fc.jsonValue();
  }
};
