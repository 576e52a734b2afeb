/**
 * Ajv 2020 compiles every schema for `unevaluated*` and `$dynamicRef` support, whether the schema uses
 * them or not. Each root validator then opens with a reset of what it evaluated, closes with a
 * literal saying nothing is dynamic, and destructures options only a `$ref`/`$dynamicRef` caller passes
 * (parent data, root data, dynamic anchors). In a module whose schemas use neither, none of it is read;
 * `trimUnusedEvaluation` removes it, each part only when nothing else in the module names it:
 * - the reset, when its variable appears in resets only and the validator's literal says nothing is dynamic;
 * - the `validateN.evaluated = {...}` literals, when no code left reads `.evaluated`;
 * - the options besides `instancePath`, when no validator is called with options or reads them.
 * Validation and errors stay the same: the differential test (test/unit/schemas-standalone.test.ts)
 * runs over the trimmed module.
 */

const RESET =
  /const (evaluated\d+) = (validate\d+)\.evaluated;if\(\1\.dynamicProps\)\{\1\.props = undefined;\}if\(\1\.dynamicItems\)\{\1\.items = undefined;\}/g;
// `props` may list properties: `{"props":{"status":true},"dynamicProps":false,...}`.
const EVALUATED = /(validate\d+)\.evaluated = \{(?:[^{}]|\{[^{}]*\})*\};/g;
const OPTIONS = '{instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}';
const OPTION_NAMES = ['parentData', 'parentDataProperty', 'rootData', 'dynamicAnchors'];

const count = (source: string, name: string): number =>
  source.match(new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`, 'g'))?.length ?? 0;

/** `source` (generated validators) without the unevaluated/dynamic bookkeeping nothing in it reads. */
export const trimUnusedEvaluation = (source: string): string => {
  const literals = new Map([...source.matchAll(EVALUATED)].map((m) => [m[1], m[0]]));
  const staticOnly = (validate: string): boolean => {
    const literal = literals.get(validate) ?? '';
    return literal.includes('"dynamicProps":false') && literal.includes('"dynamicItems":false');
  };
  // Ajv names variables per function, so several resets may share one name: each names it 5 times.
  const resets = new Map<string, number>();
  for (const m of source.matchAll(RESET)) resets.set(m[1] ?? '', (resets.get(m[1] ?? '') ?? 0) + 1);
  const onlyInResets = (name: string): boolean => count(source, name) === 5 * (resets.get(name) ?? 0);
  let out = source.replace(RESET, (reset, evaluated: string, validate: string) =>
    onlyInResets(evaluated) && staticOnly(validate) ? '' : reset,
  );
  if ((out.match(/\.evaluated\b/g)?.length ?? 0) === literals.size) out = out.replace(EVALUATED, '');
  const headers = out.split(OPTIONS).length - 1;
  if (headers > 0 && OPTION_NAMES.every((name) => count(out, name) === headers))
    out = out.split(OPTIONS).join('{instancePath=""}={}');
  return out;
};

// Every way Ajv's code reads its error count without writing it; a write (`errors++`, `errors = ...`)
// matches none, stays in the source and turns the pass off.
const ERRORS_READS = [
  /let errors = 0;/g,
  /const _errs\d+ = errors;/g,
  /\b_errs\d+ === errors\b/g,
  /\berrors === _errs\d+\b/g,
  /\berrors === 0\b/g,
];
const ERRORS = /(?<![\w$.])errors(?![\w$])/;
// Every way Ajv's code uses a `validN` flag once each is plainly true.
const VALID_USES = [/var valid\d+ = true;/g, /if\(valid\d+\)/g, /if\(!valid\d+\)/g];
const VALID = /(?<![\w$.])valid\d+(?![\w$])/;

/**
 * With `allErrors` off and every failure compacted into `return $spineFail(...)` (compact-errors.ts),
 * a validator function may never count an error: then its `errors` stays 0, and each `_errsN === errors`
 * test, each `errors === 0` and each `validN` flag Ajv sets from them is plainly true. This writes
 * them as `true` (and drops the bookkeeping) so the bundler's minifier removes the branches; about
 * 3 KB of a consumer's validators. Only in a function with no other use of `errors` (one that
 * counts errors, as `anyOf` code does, is left as it was), and the flags only when no use of them
 * is left but `var validN = true` and `if(validN)` / `if(!validN)`. Validation and its errors stay
 * the same: the differential test (test/unit/schemas-standalone.test.ts) runs over the result.
 */
export const foldUnchangedErrorCount = (source: string): string =>
  // Per validator: `errors`, `_errsN` and `validN` are each function's own locals.
  source
    .split(/(?=function validate\d+\()/)
    .map(foldInFunction)
    .join('');

const foldInFunction = (source: string): string => {
  const [init, copy, ...tests] = ERRORS_READS;
  if (!init || !copy) return source;
  let out = source.replace(init, '').replace(copy, '');
  for (const test of tests) out = out.replace(test, 'true');
  if (ERRORS.test(out)) return source;
  const [assign, ...ifs] = VALID_USES;
  if (!assign) return out;
  const withoutFlags = ifs.reduce(
    (text, use, i) => text.replace(use, i === 0 ? 'if(true)' : 'if(false)'),
    out.replace(assign, ''),
  );
  return VALID.test(withoutFlags) ? out : withoutFlags;
};

/** Where the JSON value starting at `from` ends, by bracket depth outside strings; -1 if it does not. */
const jsonEnd = (source: string, from: number): number => {
  let depth = 0;
  let inString = false;
  for (let i = from; i < source.length; i++) {
    const c = source[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
};

/**
 * Ajv keeps a whole schema object (`const schemaN = {...}`) where code reads one value of it, e.g. an
 * `enum` error's `allowedValues: schemaN.properties.status.enum`. Each such dotted read is written as
 * the JSON of the value it reads (equal by value, as errors are compared), so a schema object nothing
 * else names is left out of the bundle (~0.6 KB in a consumer). A read whose path the schema does not
 * have as own properties is left as it was.
 */
export const inlineSchemaReads = (source: string): string => {
  let out = source;
  for (const m of source.matchAll(/const (schema\d+) = /g)) {
    const start = (m.index ?? 0) + m[0].length;
    const end = jsonEnd(source, start);
    let schema: unknown;
    try {
      schema = end < 0 ? undefined : JSON.parse(source.slice(start, end));
    } catch {
      continue;
    }
    if (schema === undefined) continue;
    const reads = new RegExp(`(?<![\\w$.])${m[1]}((?:\\.[A-Za-z_$][\\w$]*)+)(?![\\w$])`, 'g');
    out = out.replace(reads, (read, path: string) => {
      let value: unknown = schema;
      for (const key of path.slice(1).split('.')) {
        if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return read;
        value = (value as Record<string, unknown>)[key];
      }
      return JSON.stringify(value);
    });
  }
  return out;
};

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
