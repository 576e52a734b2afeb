import type { EventProblem } from './errors';

const utf8 = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true });
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;

/** RFC 7230 section 3.2.6: a value in double quotes loses them and its backslash escapes. */
const unquote = (value: string): string | undefined => {
  if (!value.startsWith('"')) return value;
  let out = '';
  for (let i = 1; i < value.length; i++) {
    const char = value[i];
    if (char === '\\') {
      i += 1;
      if (i >= value.length) return undefined;
      out += value[i];
    } else if (char === '"') return i === value.length - 1 ? out : undefined;
    else out += char;
  }
  return undefined;
};

/**
 * One round of percent-decoding into UTF-8. Needlessly encoded characters and lower-case hex are
 * accepted; a `%` without two hex digits and byte sequences that are not UTF-8 (`%C0%A0`) are refused.
 */
const percentDecode = (value: string): string | undefined => {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; ) {
    if (value[i] === '%') {
      const hex = value.slice(i + 1, i + 3);
      if (!HEX_PAIR.test(hex)) return undefined;
      bytes.push(Number.parseInt(hex, 16));
      i += 3;
    } else {
      const char = String.fromCodePoint(value.codePointAt(i) ?? 0);
      bytes.push(...Buffer.from(char, 'utf8'));
      i += char.length;
    }
  }
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
};

export interface BinaryAttributes {
  readonly entries: [string, unknown][];
  readonly problems: EventProblem[];
}

/**
 * The attributes of a binary-mode event from its `ce-*` headers (HTTP binding 3.1.3): each value is
 * unquoted, then percent-decoded once. `ce-datacontenttype` (Content-Type carries it) and `ce-data`
 * (not an attribute name) are refused, as are values that do not decode.
 */
export const readBinaryAttributes = (headers: ReadonlyMap<string, string>): BinaryAttributes => {
  const entries: [string, unknown][] = [];
  const problems: EventProblem[] = [];
  const refuse = (name: string, message: string, expected: string) =>
    problems.push({ index: 0, path: `/${name}`, message, expected });
  for (const [header, raw] of headers) {
    if (!header.startsWith('ce-') || header.length <= 3) continue;
    const name = header.slice(3);
    if (name === 'datacontenttype')
      refuse(
        name,
        'binary mode carries datacontenttype in Content-Type only',
        'no ce-datacontenttype header',
      );
    else if (name === 'data')
      refuse(name, 'data is not an attribute: send it as the body', 'no ce-data header');
    else {
      const unquoted = unquote(raw.trim());
      const value = unquoted === undefined ? undefined : percentDecode(unquoted);
      if (value === undefined)
        refuse(
          name,
          `header ce-${name} is not a valid encoded value`,
          'percent-encoded UTF-8 (HTTP binding 3.1.3.2)',
        );
      else entries.push([name, value]);
    }
  }
  return { entries, problems };
};
