import { describe, expect, it } from 'vitest';
import {
  foldUnchangedErrorCount,
  inlineSchemaReads,
  trimUnusedEvaluation,
} from '../../scripts/trim-standalone';

const HEADER = '{instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}';
const RESET =
  'const evaluated0 = validate20.evaluated;if(evaluated0.dynamicProps){evaluated0.props = undefined;}if(evaluated0.dynamicItems){evaluated0.items = undefined;}';
const root = (n: number, literal: string, body = '') =>
  `function validate${n}(data, ${HEADER}){${RESET.replaceAll('validate20', `validate${n}`)}${body}return true;}validate${n}.evaluated = ${literal};`;
const STATIC = '{"props":{"status":true},"dynamicProps":false,"dynamicItems":false}';

describe('trimUnusedEvaluation', () => {
  it('drops resets, evaluated literals and unread options of validators that use none of them', () => {
    // Prepare: two roots, both naming their reset variable evaluated0 as Ajv does
    const source = `${root(20, STATIC)}${root(21, '{"props":true,"dynamicProps":false,"dynamicItems":false}')}`;
    // Act
    const trimmed = trimUnusedEvaluation(source);
    // Assess
    expect(trimmed).toBe(
      'function validate20(data, {instancePath=""}={}){return true;}function validate21(data, {instancePath=""}={}){return true;}',
    );
    const validate20 = new Function(`${trimmed}\nreturn validate20;`)();
    expect(validate20({})).toBe(true);
  });

  it('keeps what something reads: a dynamic validator, a read of evaluated, a call with options', () => {
    // Prepare
    const dynamic = root(20, '{"props":true,"dynamicProps":true,"dynamicItems":false}');
    const reads = root(20, STATIC, 'if(evaluated0.props !== true){}');
    const calls = root(
      20,
      STATIC,
      'validate21(data, {instancePath, parentData: data, parentDataProperty: "x", rootData, dynamicAnchors});',
    );
    // Act
    const trimmed = [dynamic, reads, calls].map(trimUnusedEvaluation);
    // Assess
    expect(trimmed[0]).toContain(RESET);
    expect(trimmed[0]).toContain('validate20.evaluated = {');
    expect(trimmed[1]).toContain(RESET);
    expect(trimmed[2]).not.toContain(RESET);
    expect(trimmed[2]).toContain(HEADER);
  });
});

// Ajv's shape with allErrors off and failures compacted: the count is read, never written.
const READ_ONLY =
  'function validate20(data, {instancePath=""}={}){let vErrors = null;let errors = 0;if(errors === 0){if(data && typeof data == "object"){if(data.a !== undefined){const _errs1 = errors;if(typeof data.a !== "string"){return fail(validate20);}var valid0 = _errs1 === errors;}else {var valid0 = true;}if(valid0){var valid1 = true;for(const x of data.list ?? []){const _errs2 = errors;if(typeof x !== "number"){return fail(validate20);}var valid1 = _errs2 === errors;if(!valid1){break;}}}}else {return fail(validate20);}}validate20.errors = vErrors;return errors === 0;}';
// A function that counts errors (as anyOf code does).
const COUNTING =
  'function validate21(data, {instancePath=""}={}){let vErrors = null;let errors = 0;const _errs0 = errors;if(typeof data !== "string"){vErrors = [{}];errors++;}var valid0 = _errs0 === errors;if(valid0){}validate21.errors = vErrors;return errors === 0;}';
const FAIL = 'const fail = (v) => { v.errors = [{ keyword: "type" }]; return false; };';
const load = (source: string, name: string) => new Function(`${FAIL}${source}\nreturn ${name};`)();

describe('foldUnchangedErrorCount', () => {
  it('writes a never-counted error count and the flags set from it as true, per function', () => {
    // Prepare
    const source = `${READ_ONLY}${COUNTING}`;
    // Act
    const folded = foldUnchangedErrorCount(source);
    // Assess: the read-only function loses its bookkeeping, the counting one is left as it was
    const [first = '', second = ''] = folded.split(/(?=function validate21)/);
    expect(first).not.toMatch(/\berrors\b(?!\s*=\s*vErrors)|_errs|\bvalid\d/);
    expect(first).toContain('validate20.errors = vErrors;return true;');
    expect(second).toBe(COUNTING);
    const before = load(source, 'validate20');
    const after = load(folded, 'validate20');
    for (const data of [{}, { a: 'x' }, { a: 1 }, { list: [1, 2] }, { list: [1, 'x'] }, 'no', null]) {
      expect(after(data)).toBe(before(data));
      expect(after.errors).toEqual(before.errors);
    }
  });

  it('keeps the flags when something else uses one', () => {
    // Prepare
    const source = READ_ONLY.replace('if(valid0){', 'if(valid0 && data.b){');
    // Act
    const folded = foldUnchangedErrorCount(source);
    // Assess: the count is folded, the flags are not
    expect(folded).not.toContain('_errs');
    expect(folded).toContain('var valid0 = true;');
    expect(folded).toContain('if(!valid1)');
  });
});

describe('inlineSchemaReads', () => {
  it('writes dotted reads of a schema object as their value, and leaves reads it cannot resolve', () => {
    // Prepare: an enum error reads allowed values; `.enum.x` is no own property of the schema
    const schema = '{"properties":{"status":{"enum":["A","B \\"q\\""]}}}';
    const source = `const schema43 = ${schema};function f(){return [schema43.properties.status.enum, schema43.properties.status.enum.x];}`;
    // Act
    const inlined = inlineSchemaReads(source);
    // Assess
    expect(inlined).toBe(
      `const schema43 = ${schema};function f(){return [["A","B \\"q\\""], schema43.properties.status.enum.x];}`,
    );
    expect(new Function(`${inlined}\nreturn f();`)()[0]).toEqual(['A', 'B "q"']);
  });
});
