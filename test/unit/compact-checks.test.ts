import { describe, expect, it } from 'vitest';
import {
  compactExtraChecks,
  compactObjectChecks,
  compactRequiredChecks,
  compactStringChecks,
} from '../../scripts/compact-checks';

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
