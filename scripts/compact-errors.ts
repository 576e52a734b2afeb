/**
 * Ajv's standalone code spells out every error it can report as an object literal at the spot that
 * reports it: `validate20.errors = [{instancePath:…,schemaPath:"#/properties/orderId/maxLength",
 * keyword:"maxLength",params:{limit: 64},message:"must NOT have more than 64 characters"}];return false;`.
 * About half of a generated module is these (137 of them, 27 KB of 52 KB, for the orders service's
 * validators). `compactErrorObjects` rewrites each literal into a call of one helper that builds the
 * same object without `schemaPath`, which Spine never reports (`SchemaViolation` is path, message,
 * expected); a literal that is the whole of a failing return becomes one call that sets the errors and
 * returns false; a message that is a plain string literal (22 distinct in the orders module, for 203
 * literals) is declared once, and so is an error whose keyword, params and message are all constant. Instance path, keyword, params and message stay the very expressions
 * Ajv wrote, evaluated at the same point. A literal of another shape is left as Ajv wrote it; the
 * differential test (test/unit/schemas-standalone.test.ts) checks that none is left, and that the
 * errors equal Ajv's own over generated payloads.
 */

const ERROR = '$spineError';
const FAIL = '$spineFail';
const MESSAGE_CONST = '$spineMessage';
const SPEC_CONST = '$spineSpec';

// An error whose keyword, params and message are all constant is declared once, frozen (it is shared),
// as a spec; a call then passes the spec in their place.
const HELPERS = [
  `const ${ERROR} = (instancePath, keyword, params, message) => keyword.params ? { instancePath, ...keyword } : ({ instancePath, keyword, params, message });`,
  `const ${FAIL} = (validate, instancePath, keyword, params, message) => { validate.errors = [${ERROR}(instancePath, keyword, params, message)]; return false; };`,
  'const $spineErrorSpec = (keyword, params, message) => Object.freeze({ keyword, params: Object.freeze(params), message });',
];
// Params without references: members that are names, numbers, strings, booleans or null.
const CONSTANT_PARAMS = /^\{(\s*[A-Za-z_$][\w$]*: (-?\d[\d.eE+-]*|"S"|true|false|null)\s*,?)*\}$/;
const withoutStrings = (expression: string): string => expression.replace(/"(?:[^"\\]|\\.)*"/g, '"S"');
// `validate20.errors = [` just before a literal, and `];return false;` just after it: a failing return.
const FAILING = /(validate\d+)\.errors = \[$/;
const RETURN = '];return false;';

const HEAD = '{instancePath';
const SCHEMA_PATH = ',schemaPath:"';
const KEYWORD = ',keyword:"';
const PARAMS = ',params:';
const MESSAGE = ',message:';

// Index just past the string literal whose opening quote is at `i` (JSON-escaped, as Ajv writes them).
const stringEnd = (source: string, i: number): number => {
  const quote = source[i];
  for (let j = i + 1; j < source.length; j++) {
    if (source[j] === '\\') j++;
    else if (source[j] === quote) return j + 1;
  }
  return -1;
};

// Index of the first `}` that closes nothing opened from `i` on, skipping string literals; -1 if none,
// or, for `lastMember`, if a `,` outside brackets comes first (the literal has more members after it).
const closingBrace = (source: string, i: number, lastMember = false): number => {
  let depth = 0;
  for (let j = i; j < source.length; j++) {
    const c = source[j];
    if (c === '"' || c === "'") {
      const end = stringEnd(source, j);
      if (end < 0) return -1;
      j = end - 1;
    } else if (c === '{' || c === '(' || c === '[') depth++;
    else if (c === '}' && depth === 0) return j;
    else if (c === ',' && depth === 0 && lastMember) return -1;
    else if (c === '}' || c === ')' || c === ']') depth--;
  }
  return -1;
};

interface Literal {
  readonly end: number;
  /** instance path, keyword, params and message, as source. */
  readonly args: string[];
}

// The error literal starting at `start` (at `{instancePath`) as a helper call, or undefined for another shape.
const readLiteral = (source: string, start: number): Literal | undefined => {
  const pathAt = source.indexOf(SCHEMA_PATH, start);
  if (pathAt < 0) return undefined;
  const instance = source.slice(start + HEAD.length, pathAt);
  if (instance !== '' && (!instance.startsWith(':') || instance.includes('{instancePath'))) return undefined;
  const pathEnd = stringEnd(source, pathAt + SCHEMA_PATH.length - 1);
  if (pathEnd < 0 || !source.startsWith(KEYWORD, pathEnd)) return undefined;
  const keywordEnd = stringEnd(source, pathEnd + KEYWORD.length - 1);
  if (keywordEnd < 0 || !source.startsWith(PARAMS, keywordEnd)) return undefined;
  const paramsAt = keywordEnd + PARAMS.length;
  if (source[paramsAt] !== '{') return undefined;
  const paramsEnd = closingBrace(source, paramsAt + 1);
  if (paramsEnd < 0 || !source.startsWith(MESSAGE, paramsEnd + 1)) return undefined;
  const messageAt = paramsEnd + 1 + MESSAGE.length;
  const end = closingBrace(source, messageAt, true);
  if (end < 0) return undefined;
  const args = [
    instance === '' ? 'instancePath' : instance.slice(1),
    source.slice(pathEnd + KEYWORD.length - 1, keywordEnd),
    source.slice(paramsAt, paramsEnd + 1),
    source.slice(messageAt, end),
  ];
  return { end: end + 1, args };
};

/**
 * `source` (the code of Ajv's `standaloneCode`) with every error literal it recognizes rewritten as a
 * helper call, preceded by the helpers and the messages it declares once; and how many it rewrote.
 */
export const compactErrorObjects = (source: string): { source: string; compacted: number } => {
  const messages = new Map<string, string>();
  const message = (expression: string): string => {
    if (!expression.startsWith('"') || stringEnd(expression, 0) !== expression.length) return expression;
    let name = messages.get(expression);
    if (name === undefined) {
      name = `${MESSAGE_CONST}${messages.size}`;
      messages.set(expression, name);
    }
    return name;
  };
  const specs = new Map<string, string>();
  const spec = (keyword: string, params: string, text: string): string | undefined => {
    if (!CONSTANT_PARAMS.test(withoutStrings(params)) || message(text) === text) return undefined;
    const declaration = `$spineErrorSpec(${keyword},${params},${message(text)})`;
    let name = specs.get(declaration);
    if (name === undefined) {
      name = `${SPEC_CONST}${specs.size}`;
      specs.set(declaration, name);
    }
    return name;
  };
  let out = '';
  let from = 0;
  let compacted = 0;
  for (let at = source.indexOf(HEAD); at >= 0; at = source.indexOf(HEAD, from)) {
    const literal = readLiteral(source, at);
    if (!literal) {
      out += source.slice(from, at + HEAD.length);
      from = at + HEAD.length;
      continue;
    }
    const [instancePath = '', keyword = '', params = '', text = ''] = literal.args;
    const constant = spec(keyword, params, text);
    const args = constant
      ? `${instancePath},${constant}`
      : `${instancePath},${keyword},${params},${message(text)}`;
    const failing = source.slice(Math.max(from, at - 40), at).match(FAILING);
    if (failing?.[1] && source.startsWith(RETURN, literal.end)) {
      out += `${source.slice(from, at - failing[0].length)}return ${FAIL}(${failing[1]},${args});`;
      from = literal.end + RETURN.length;
    } else {
      out += `${source.slice(from, at)}${ERROR}(${args})`;
      from = literal.end;
    }
    compacted++;
  }
  const declared = [
    ...[...messages].map(([text, name]) => `const ${name} = ${text};`),
    ...[...specs].map(([declaration, name]) => `const ${name} = ${declaration};`),
  ];
  return { source: [...HELPERS, ...declared, out + source.slice(from)].join('\n'), compacted };
};
