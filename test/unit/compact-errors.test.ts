import { describe, expect, it } from 'vitest';
import { compactErrorObjects } from '../../scripts/compact-errors';

describe('compactErrorObjects', () => {
  it('rewrites failing returns and pushed errors into calls, keeping every expression Ajv wrote', () => {
    // Prepare: shapes Ajv writes, with a brace in a pattern and a regex in an instance path
    const source = [
      'function validate20(data, {instancePath="", parentData}={}){',
      'if(typeof data.a !== "string"){validate20.errors = [{instancePath:instancePath+"/a",schemaPath:"#/properties/a/type",keyword:"type",params:{type: "string"},message:"must be string"}];return false;}',
      'if(!/^[A-Z]{3}$/u.test(data.b)){validate20.errors = [{instancePath:instancePath+"/" + "b".replace(/~/g, "~0").replace(/\\//g, "~1"),schemaPath:"#/properties/b/pattern",keyword:"pattern",params:{pattern: "^[A-Z]{3}$"},message:"must match pattern \\""+"^[A-Z]{3}$"+"\\""}];return false;}',
      'let missing0;if(data.c === undefined && (missing0 = "c")){const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: missing0},message:"must have required property \'"+missing0+"\'"};validate20.errors = [err0];return false;}',
      'if(typeof data.d !== "string"){validate20.errors = [{instancePath:instancePath+"/d",schemaPath:"#/properties/d/type",keyword:"type",params:{type: "string"},message:"must be string"}];return false;}',
      'validate20.errors = null;return true;}',
    ].join('\n');
    // Act
    const { source: compacted, compacted: count } = compactErrorObjects(source);
    const validate20: { (data: unknown): boolean; errors?: unknown[] | null } = new Function(
      `${compacted}\nreturn validate20;`,
    )();
    const errorsOf = (data: unknown) => (validate20(data) ? null : validate20.errors);
    // Assess
    expect(count).toBe(4);
    expect(compacted).not.toMatch(/schemaPath/);
    expect(compacted.match(/"must be string"/g)).toHaveLength(1);
    // Both `type: string` errors pass one declared, frozen spec; the others have references in them.
    expect(compacted.match(/\$spineSpec0\b/g)).toHaveLength(3);
    expect(compacted).not.toMatch(/\$spineSpec1\b/);
    expect(errorsOf({ a: 1 })).toEqual([
      { instancePath: '/a', keyword: 'type', params: { type: 'string' }, message: 'must be string' },
    ]);
    expect(errorsOf({ a: 'x', b: 'no' })).toEqual([
      {
        instancePath: '/b',
        keyword: 'pattern',
        params: { pattern: '^[A-Z]{3}$' },
        message: 'must match pattern "^[A-Z]{3}$"',
      },
    ]);
    expect(errorsOf({ a: 'x', b: 'ABC' })).toEqual([
      {
        instancePath: '',
        keyword: 'required',
        params: { missingProperty: 'c' },
        message: "must have required property 'c'",
      },
    ]);
    expect(errorsOf({ a: 'x', b: 'ABC', c: 1, d: 2 })?.[0]).toMatchObject({ instancePath: '/d' });
    expect(errorsOf({ a: 'x', b: 'ABC', c: 1, d: 'y' })).toBeNull();
  });

  it('leaves a literal of another shape as it was', () => {
    // Prepare: a verbose literal (schema and data after the message) is not one the compactor knows
    const source =
      'validate1.errors = [{instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:"object"}];return false;';
    // Act
    const result = compactErrorObjects(source);
    // Assess
    expect(result.compacted).toBe(0);
    expect(result.source.endsWith(source)).toBe(true);
  });
});
