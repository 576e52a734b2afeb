import type { EventProblem } from './errors';

/** Skips the JSON string starting at `start` (its opening quote); returns the index after its closing one. */
const stringEnd = (text: string, start: number): number => {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return i + 1;
};

/**
 * Members named twice in the events of a JSON text that `JSON.parse` already accepted (it keeps the
 * last one silently). `eventDepth` is 1 for a structured event (the top-level object) and 2 for a
 * batch (each object in the top-level array). One pass over the text, with no second parse of values.
 */
export const duplicateMembers = (text: string, eventDepth: 1 | 2): EventProblem[] => {
  const problems: EventProblem[] = [];
  const stack: string[] = [];
  let names = new Set<string>();
  let expectingName = false;
  let index = 0;
  let topCommas = 0;
  for (let i = 0; i < text.length; ) {
    const char = text[i];
    if (char === '"') {
      const end = stringEnd(text, i);
      if (expectingName && stack.length === eventDepth) {
        const name: unknown = JSON.parse(text.slice(i, end));
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
    if (char === '{' || char === '[') {
      stack.push(char);
      if (stack.length === eventDepth && char === '{') {
        index = eventDepth === 2 ? topCommas : 0;
        names = new Set();
      }
      expectingName = char === '{';
    } else if (char === '}' || char === ']') {
      stack.pop();
      expectingName = false;
    } else if (char === ',') {
      if (stack.length === 1) topCommas += 1;
      expectingName = stack[stack.length - 1] === '{';
    } else if (char === ':') expectingName = false;
    i += 1;
  }
  return problems;
};
