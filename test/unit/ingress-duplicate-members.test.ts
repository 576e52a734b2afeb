import { describe, expect, it } from 'vitest';
import { duplicateMembers } from '../../shared/ingress/duplicate-members';

const names = (text: string, depth: 1 | 2) => duplicateMembers(text, depth).map((p) => `${p.index}${p.path}`);

describe('duplicateMembers', () => {
  it('finds names repeated at the top of each event, escaped or not, and nowhere else', () => {
    // Prepare: strings holding quotes, backslashes, braces and commas; the same names nested deeper.
    const batch = [
      '[{"a":1,"b":{"a":[1,{"a":2}]},"s":"{\\"a\\":1,","\\u0061":3},',
      '{"x":"\\\\","y":"\\\\\\"}","x":"]"},',
      '[{"x":1,"x":2}],',
      ' { "~/" : 1 , "k":[ "a", "a" ], "~/":2 } ]',
    ].join('');

    // Act
    const found = names(batch, 2);

    // Assess: the array entry (index 2) is not an event; indexes count top-level entries.
    expect(found).toEqual(['0/a', '1/x', '3/~0~1']);
    expect(JSON.parse(batch)).toHaveLength(4);
  });

  it('reads one event at depth 1 and finds nothing in a clean one', () => {
    // Act
    const twice = names('{"id":"a","data":{"id":"b","id2":{"id":1}},"\\u0069d":"c"}', 1);
    const clean = names('{"id":"a","data":{"id":"b","q":"\\"id\\":"}}', 1);

    // Assess
    expect(twice).toEqual(['0/id']);
    expect(clean).toEqual([]);
  });

  it('ends on a text with an unclosed string (not valid JSON: the caller parses first) instead of scanning for ever', () => {
    // Act: without its guard, indexOf's -1 restarted the scan at 0 for ever.
    const found = names('{"id":"a","b', 1);

    // Assess
    expect(found).toEqual([]);
  });
});
