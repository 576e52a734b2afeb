import { describe, expect, it } from 'vitest';
import {
  compactExtraChecks,
  compactObjectChecks,
  compactRequiredChecks,
  compactStringChecks,
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

describe('compactStringChecks', () => {
  const fail = (v: string, path: string, spec: string) => `{return $spineFail(${v},${path},${spec});}`;
  const both = (path2 = 'instancePath+"/a"') =>
    `if(typeof data0 === "string"){if(func1(data0) > 64)${fail('validate20', 'instancePath+"/a"', '$spineSpec0')}else {if(func1(data0) < 1)${fail('validate20', path2, '$spineSpec1')}}}else ${fail('validate20', 'instancePath+"/a"', '$spineSpec2')}`;
  const maxOnly = `if(typeof data.b === "string"){if(func1(data.b) > 9)${fail('validate20', 'instancePath+"/b"', '$spineSpec3')}}else ${fail('validate20', 'instancePath+"/b"', '$spineSpec2')}`;
  const minOnly = `if(typeof data1 === "string"){if(func1(data1) < 2)${fail('validate20', 'instancePath+"/c/" + i0', '$spineSpec4')}}else ${fail('validate20', 'instancePath+"/c/" + i0', '$spineSpec2')}`;
  // Runs a nest as a validator body: which spec fails, at which path (or true).
  const run = (code: string, data: Record<string, unknown>) =>
    new Function(
      'data',
      `const func1 = (s) => [...s].length; const validate20 = {}; const instancePath = ""; const i0 = 0;
       const $spineSpec0 = "max", $spineSpec1 = "min", $spineSpec2 = "type", $spineSpec3 = "max9", $spineSpec4 = "min2";
       const $spineFail = (v, p, s) => p + " " + s;
       return (() => { const data0 = data.a; const data1 = data.c; ${code} return true; })();`,
    )(data);

  it('writes each length-bounded string nest as one check and one failing return, failing alike', () => {
    // Prepare
    const source = `${both()}${maxOnly}${minOnly}`;
    const cases = [
      { a: 'ok', b: 'ok', c: 'ok' },
      { a: 'x'.repeat(65), b: 'ok', c: 'ok' },
      { a: '', b: 'ok', c: 'ok' },
      { a: 3, b: 'ok', c: 'ok' },
      { a: 'ok', b: 'x'.repeat(10), c: 'ok' },
      { a: 'ok', b: null, c: 'ok' },
      { a: 'ok', b: 'ok', c: 'x' },
      { a: 'ok', b: 'ok', c: [] },
      { a: '😀'.repeat(64), b: 'ok', c: 'ok' },
    ];
    // Act
    const compacted = compactStringChecks(source);
    // Assess
    expect(compacted.match(/\$spineString\(/g)?.length).toBe(3);
    expect(compacted).not.toContain('typeof data0 === "string"');
    for (const data of cases) expect(run(compacted, data)).toBe(run(source, data));
  });

  it('leaves a nest whose returns name different paths, and adds no helper when nothing changed', () => {
    // Prepare
    const source = both('instancePath+"/other"');
    // Act
    const compacted = compactStringChecks(source);
    // Assess
    expect(compacted).toBe(source);
  });
});

describe('compactRequiredChecks', () => {
  const check = (n: number, data: string, names: string[], read = (p: string) => `${data}.${p}`) =>
    `let missing${n};if(${names
      .map((p) => `((${read(p)} === undefined) && (missing${n} = ${JSON.stringify(p)}))`)
      .join(
        ' || ',
      )}){return $spineFail(validate20,instancePath,"required",{missingProperty: missing${n}},"must have required property '"+missing${n}+"'");}`;
  // A validator of one object: the required error it fails with, or true.
  const run = (body: string, data: Record<string, unknown>) =>
    new Function(
      'data',
      `const validate20 = {}; const instancePath = "";
       const $spineFail = (v, p, k, params, message) => k.params ? { p, ...k } : { p, keyword: k, params, message };
       ${body.includes('$spineRequired') ? body.split('\n')[0] : ''}
       return (() => { ${body.includes('$spineRequired') ? body.split('\n').slice(1).join('\n') : body}else {return "present";} })();`,
    )(data);

  it("writes each required check as one call that fails with the same error, then Ajv's else", () => {
    // Prepare: one check with a dotted and a quoted read
    const source = check(0, 'data', ['a', 'b-c'], (p) =>
      p === 'a' ? 'data.a' : `data[${JSON.stringify(p)}]`,
    );
    const cases = [{}, { a: 1 }, { 'b-c': 1 }, { a: 1, 'b-c': 2 }, { a: undefined, 'b-c': 2 }];
    // Act
    const compacted = compactRequiredChecks(source);
    // Assess
    expect(compacted).toContain('const missing0 = $spineRequired(data,"a","b-c")');
    for (const data of cases) expect(run(compacted, data)).toEqual(run(source, data));
  });

  it('leaves a check that reads another object or uses missingN elsewhere', () => {
    // Prepare
    const mixed = check(0, 'data', ['a', 'b'], (p) => (p === 'a' ? 'data.a' : 'other.b'));
    const reused = `${check(1, 'data', ['a'])}missing1;`;
    // Act / Assess
    expect(compactRequiredChecks(mixed)).toBe(mixed);
    expect(compactRequiredChecks(reused)).toBe(reused);
  });
});

describe('compactExtraChecks', () => {
  const loop = (n: number, names: string[], other = `key${n}`) =>
    `for(const key${n} in data){if(!(${names
      .map((p, i) => `(${i === names.length - 1 ? other : `key${n}`} === ${JSON.stringify(p)})`)
      .join(
        ' || ',
      )})){return $spineFail(validate20,instancePath,"additionalProperties",{additionalProperty: key${n}},$spineMessage0);break;}}`;
  const run = (body: string, data: Record<string, unknown>) =>
    new Function(
      'data',
      `const validate20 = {}; const instancePath = ""; const $spineMessage0 = "must NOT have additional properties";
       const other = "x";
       const $spineFail = (v, p, k, params, message) => k.params ? { p, ...k } : { p, keyword: k, params, message };
       ${body}
       return true;`,
    )(data);

  it('writes each additionalProperties loop as one call that fails with the same error', () => {
    // Prepare
    const source = loop(0, ['a', 'b-c']);
    const cases = [{}, { a: 1 }, { a: 1, z: 2 }, { y: 1, z: 2 }, { 'b-c': 1, a: 2 }];
    // Act
    const compacted = compactExtraChecks(source);
    // Assess
    expect(compacted).toContain('$spineExtra(data,$spineMessage0,"a","b-c")');
    for (const data of cases) expect(run(compacted, data)).toEqual(run(source, data));
  });

  it('leaves a loop that compares another variable', () => {
    // Prepare
    const source = loop(0, ['a', 'b'], 'other');
    // Act / Assess
    expect(compactExtraChecks(source)).toBe(source);
  });
});

describe('compactObjectChecks', () => {
  it('writes each object test as a call with the same value', () => {
    // Prepare
    const source =
      'return [data0 && typeof data0 == "object" && !Array.isArray(data0), data.a && typeof data.a == "object" && !Array.isArray(data.a)];';
    const values = [null, 0, '', 'x', [], {}, { a: 1 }];
    // Act
    const compacted = compactObjectChecks(source);
    // Assess
    expect(compacted.split('\n')[1]).not.toContain('typeof');
    const run = (code: string, v: unknown) => new Function('data0', 'data', code)(v, { a: v });
    for (const v of values) expect(run(compacted.replace('\n', ';'), v)).toEqual(run(source, v));
  });
});
