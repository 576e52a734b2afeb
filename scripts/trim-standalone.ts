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

/** How many times `name` occurs in `source` as a whole identifier. */
export const count = (source: string, name: string): number =>
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
