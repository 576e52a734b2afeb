/** One decoded segment: generated column, source index, original line and column (0-based). */
type Segment = readonly [number, number, number, number];

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

// Base64 VLQ, as the source map v3 spec defines it: 5 bits per digit, bit 6 = continuation.
const decodeVlq = (segment: string): number[] => {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of segment) {
    const digit = DIGIT.get(c) ?? 0;
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
};

/** The `mappings` of a source map decoded into sorted segments per generated line. */
export const decodeMappings = (mappings: string): Segment[][] => {
  let source = 0;
  let line = 0;
  let column = 0;
  return mappings.split(';').map((text) => {
    let generated = 0;
    const segments: Segment[] = [];
    for (const part of text.split(',')) {
      if (!part) continue;
      const [g = 0, s, l, c] = decodeVlq(part);
      generated += g;
      if (s === undefined || l === undefined || c === undefined) continue;
      source += s;
      line += l;
      column += c;
      segments.push([generated, source, line, column]);
    }
    return segments;
  });
};

/** The segment covering a generated position (1-based line and column, as stack frames give them). */
export const lookup = (lines: readonly Segment[][], line: number, column: number): Segment | undefined => {
  const segments = lines[line - 1];
  if (!segments || segments.length === 0) return undefined;
  let lo = 0;
  let hi = segments.length - 1;
  let found: Segment | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const seg = segments[mid];
    if (!seg) break;
    if (seg[0] <= column - 1) {
      found = seg;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
};
