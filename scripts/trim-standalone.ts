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
