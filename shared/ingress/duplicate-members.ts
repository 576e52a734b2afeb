import type { EventProblem } from './errors';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/**
 * Index after the closing quote of the JSON string opening at `start`. The text is valid JSON, so the
 * next quote not escaped by an odd run of backslashes closes it: found with `indexOf`, not char by char.
 */
const stringEnd = (text: string, start: number): number => {
  let quote = text.indexOf('"', start + 1);
  for (;;) {
    // Unreachable for valid JSON; without it an unclosed string would restart the scan at 0 for ever.
    if (quote < 0) return text.length;
    let before = quote - 1;
    while (text.charCodeAt(before) === BACKSLASH) before -= 1;
    if ((quote - 1 - before) % 2 === 0) return quote + 1;
    quote = text.indexOf('"', quote + 1);
  }
};

/** The member name in `[start, end)` (quotes included): sliced as is unless it holds an escape. */
const nameAt = (text: string, start: number, end: number): unknown => {
  for (let i = start + 1; i < end - 1; i += 1)
    if (text.charCodeAt(i) === BACKSLASH) return JSON.parse(text.slice(start, end));
  return text.slice(start + 1, end - 1);
};

/**
 * Members named twice in the events of a JSON text that `JSON.parse` already accepted (it keeps the
 * last one silently). `eventDepth` is 1 for a structured event (the top-level object) and 2 for a
 * batch (each object in the top-level array). One pass over the text, with no second parse of values.
 */
export const duplicateMembers = (text: string, eventDepth: 1 | 2): EventProblem[] => {
  const problems: EventProblem[] = [];
  // A stack of container kinds: whether each open container is an object (else an array).
  const objects: boolean[] = [];
  let names = new Set<string>();
  let expectingName = false;
  let index = 0;
  let topCommas = 0;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (expectingName && objects.length === eventDepth) {
        const name = nameAt(text, i, end);
        if (typeof name === 'string' && names.has(name))
          problems.push({
            index,
            path: `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`,
            message: `${name} appears more than once`,
            expected: 'each attribute once',
          });
        if (typeof name === 'string') names.add(name);
      }
      i = end;
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      objects.push(c === OPEN_BRACE);
      if (objects.length === eventDepth && c === OPEN_BRACE) {
        index = eventDepth === 2 ? topCommas : 0;
        names = new Set();
      }
      expectingName = c === OPEN_BRACE;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      objects.pop();
      expectingName = false;
    } else if (c === COMMA) {
      if (objects.length === 1) topCommas += 1;
      expectingName = objects[objects.length - 1] === true;
    } else if (c === COLON) expectingName = false;
    i += 1;
  }
  return problems;
};
