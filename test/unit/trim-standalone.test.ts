import { describe, expect, it } from 'vitest';
import { trimUnusedEvaluation } from '../../scripts/trim-standalone';

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
