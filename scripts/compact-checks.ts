import { count } from './trim-standalone';

/**
 * Compactions of the checks Ajv's standalone code spells out at every property or object: each
 * recognized nest becomes a call of one small helper (declared once, only when used) that makes the
 * same checks in the same order and answers the same error, and one failing return of it. A nest of
 * another shape is left as Ajv wrote it. They run after compact-errors.ts and trim-standalone.ts
 * (failing returns are `return $spineFail(...)` by then); the differential test
 * (test/unit/schemas-standalone.test.ts) runs over the result.
 */
const STRING_CHECK = '$spineString';
/** `typeof d !== "string"`, then maxLength, then minLength, in Ajv's order: the failing spec, or undefined. */
const STRING_CHECK_HELPER = `const ${STRING_CHECK} = (length, d, type, max, maxSpec, min, minSpec) => typeof d !== "string" ? type : max !== undefined && length(d) > max ? maxSpec : min !== undefined && length(d) < min ? minSpec : undefined;`;
const FAIL_CALL = String.raw`\{return \$spineFail\((validate\d+),([^;{}]+?),(\$spineSpec\d+)\);\}`;
const DATA = String.raw`([\w$]+(?:\.[\w$]+)*)`;
// `if(typeof D === "string"){<maxLength and/or minLength checks>}else {<type error>}`, each check a
// failing return of a constant spec: Ajv's code for a string with length bounds and nothing else.
const STRING_CHECKS = new RegExp(
  String.raw`if\(typeof ${DATA} === "string"\)\{` +
    String.raw`(?:if\((func\d+)\(\1\) > (\d+)\)${FAIL_CALL}(?:else \{if\(\2\(\1\) < (\d+)\)${FAIL_CALL}\})?` +
    String.raw`|if\((func\d+)\(\1\) < (\d+)\)${FAIL_CALL})` +
    String.raw`\}else ${FAIL_CALL}`,
  'g',
);

/**
 * Ajv writes each string property with `maxLength`/`minLength` as its own nest of `if`s with up to three
 * failing returns (25 of them in the orders service's validators, ~120 bytes each minified). Each becomes
 * one call of `$spineString`, which makes the same checks in the same order and answers the spec of the
 * first that fails, and one failing return of it: the same error at the same instance path. A nest whose
 * returns name different validators or paths is left as Ajv wrote it. The differential test
 * (test/unit/schemas-standalone.test.ts) runs over the result.
 */
export const compactStringChecks = (source: string): string => {
  let used = false;
  const out = source.replace(STRING_CHECKS, (match, ...g: (string | undefined)[]) => {
    const [
      data,
      fMax,
      max,
      vMax,
      pMax,
      sMax,
      min,
      vMin,
      pMin,
      sMin,
      fOnly,
      minOnly,
      vOnly,
      pOnly,
      sOnly,
      v,
      p,
      sType,
    ] = g;
    const calls = [
      [vMax, pMax],
      [vMin, pMin],
      [vOnly, pOnly],
    ].filter(([cv]) => cv !== undefined);
    if (!data || !v || !p || !sType || calls.some(([cv, cp]) => cv !== v || cp !== p)) return match;
    const args =
      fMax !== undefined
        ? [fMax, data, sType, max, sMax, ...(min !== undefined ? [min, sMin] : [])]
        : [fOnly, data, sType, 'undefined', 'undefined', minOnly, sOnly];
    used = true;
    return `{const $s = ${STRING_CHECK}(${args.join(',')});if($s){return $spineFail(${v},${p},$s);}}`;
  });
  return used ? `${STRING_CHECK_HELPER}\n${out}` : out;
};

const REQUIRED_CHECK = '$spineRequired';
/** The first of `names` that `data` lacks, as the error Ajv reports for it; undefined if none is missing. */
const REQUIRED_HELPER = `const ${REQUIRED_CHECK} = (data, ...names) => { for (const name of names) if (data[name] === undefined) return { keyword: "required", params: { missingProperty: name }, message: "must have required property '" + name + "'" }; };`;
// `let missingN;if(<(D.p === undefined) && (missingN = "p") joined by ||>){return $spineFail(V,P,"required",…);}`
const REQUIRED =
  /let (missing\d+);if\(([^{}]*)\)\{return \$spineFail\((validate\d+),([^;{}]+?),"required",\{missingProperty: \1\},"must have required property '"\+\1\+"'"\);\}/g;
const REQUIRED_CLAUSE =
  /\(([\w$]+(?:\.[\w$]+)*)(?:\.([A-Za-z_$][\w$]*)|\[("(?:[^"\\]|\\.)*")\]) === undefined\) && \((missing\d+) = ("(?:[^"\\]|\\.)*")\)/g;

/**
 * Ajv checks an object's `required` properties with one `(data.p === undefined) && (missingN = "p")`
 * clause per property, and spells the `required` error out at each object (16 of them in the orders
 * service's validators). Each check becomes a call of `$spineRequired`, which looks for the same
 * properties in the same order and answers the error Ajv builds for the first missing one, and one
 * failing return of it. A check of another shape (a clause on another object, a property named twice,
 * `missingN` used elsewhere) is left as Ajv wrote it. The differential test
 * (test/unit/schemas-standalone.test.ts) runs over the result.
 */
export const compactRequiredChecks = (source: string): string => {
  let used = false;
  // `missingN` is each validator function's own local.
  const inFunction = (fn: string) =>
    fn.replace(REQUIRED, (match, missing: string, condition: string, v: string, p: string) => {
      if (count(fn, missing) !== count(match, missing)) return match;
      const clauses = [...condition.matchAll(REQUIRED_CLAUSE)];
      const rest = condition.replace(REQUIRED_CLAUSE, '');
      const [first] = clauses;
      if (!first || !/^[()| ]*$/.test(rest)) return match;
      const names: string[] = [];
      for (const [, data, dotted, quoted, assigned, name = ''] of clauses) {
        const read = dotted === undefined ? quoted : JSON.stringify(dotted);
        if (data !== first[1] || assigned !== missing || read !== name) return match;
        names.push(name);
      }
      used = true;
      // Ajv's `else` may follow the `if`: the error takes the place of `missingN` in the same scope.
      return `const ${missing} = ${REQUIRED_CHECK}(${[first[1], ...names].join(',')});if(${missing}){return $spineFail(${v},${p},${missing});}`;
    });
  const out = source
    .split(/(?=function validate\d+\()/)
    .map(inFunction)
    .join('');
  return used ? `${REQUIRED_HELPER}\n${out}` : out;
};

const EXTRA_CHECK = '$spineExtra';
/** The first key of `data` not in `names`, as the error Ajv reports for it; undefined if there is none. */
const EXTRA_HELPER = `const ${EXTRA_CHECK} = (data, message, ...names) => { for (const key in data) if (!names.includes(key)) return { keyword: "additionalProperties", params: { additionalProperty: key }, message }; };`;
// `for(const keyN in D){if(!(<(keyN === "p") joined by ||>)){return $spineFail(V,P,"additionalProperties",…,M);break;}}`
const EXTRA =
  /for\(const (key\d+) in ([\w$]+(?:\.[\w$]+)*)\)\{if\(!\(([^{}]*)\)\)\{return \$spineFail\((validate\d+),([^;{}]+?),"additionalProperties",\{additionalProperty: \1\},(\$spineMessage\d+|"must NOT have additional properties")\);break;\}\}/g;
const EXTRA_CLAUSE = /\((key\d+) === ("(?:[^"\\]|\\.)*")\)/g;

/**
 * With `additionalProperties: false` Ajv loops over an object's keys comparing each with every declared
 * property, and spells the error out at each object (14 of them in the orders service's validators).
 * Each loop becomes a call of `$spineExtra`, which walks the keys in the same order and answers the
 * error Ajv builds for the first undeclared one, and one failing return of it. A loop of another shape
 * (a comparison with another variable, `keyN` used elsewhere in its function) is left as Ajv wrote
 * it. The differential test (test/unit/schemas-standalone.test.ts) runs over the result.
 */
export const compactExtraChecks = (source: string): string => {
  let used = false;
  const inFunction = (fn: string) =>
    fn.replace(
      EXTRA,
      (match, key: string, data: string, condition: string, v: string, p: string, message: string) => {
        if (count(fn, key) !== count(match, key)) return match;
        const clauses = [...condition.matchAll(EXTRA_CLAUSE)];
        if (clauses.length === 0 || clauses.some((c) => c[1] !== key)) return match;
        if (!/^[()| ]*$/.test(condition.replace(EXTRA_CLAUSE, ''))) return match;
        used = true;
        const names = clauses.map((c) => c[2]);
        return `{const ${key} = ${EXTRA_CHECK}(${[data, message, ...names].join(',')});if(${key}){return $spineFail(${v},${p},${key});}}`;
      },
    );
  const out = source
    .split(/(?=function validate\d+\()/)
    .map(inFunction)
    .join('');
  return used ? `${EXTRA_HELPER}\n${out}` : out;
};

const OBJECT_CHECK = '$spineObject';
const OBJECT_HELPER = `const ${OBJECT_CHECK} = (d) => d && typeof d == "object" && !Array.isArray(d);`;
const OBJECT_TEST = /(?<![\w$.])([\w$]+(?:\.[\w$]+)*) && typeof \1 == "object" && !Array\.isArray\(\1\)/g;

/**
 * Ajv tests each `type: "object"` value as `d && typeof d == "object" && !Array.isArray(d)` (17 times
 * in the orders service's validators). Each test becomes a call of `$spineObject`, which evaluates the
 * same expression to the same value. The differential test (test/unit/schemas-standalone.test.ts) runs
 * over the result.
 */
export const compactObjectChecks = (source: string): string => {
  const out = source.replace(OBJECT_TEST, (_match, data: string) => `${OBJECT_CHECK}(${data})`);
  return out === source ? source : `${OBJECT_HELPER}\n${out}`;
};
