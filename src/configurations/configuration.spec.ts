import { etagOf, parseIfMatch } from './configuration';

describe(parseIfMatch.name, () => {
  it.each([
    [undefined, { kind: 'none' }],
    ['*', { kind: 'any' }],
    ['"3"', { kind: 'versions', versions: [3] }],
    ['"1", "4"', { kind: 'versions', versions: [1, 4] }],
    // Strong comparison: weak and foreign tags never match.
    ['W/"3"', { kind: 'versions', versions: [] }],
    ['3', { kind: 'versions', versions: [] }],
  ])('reads If-Match %p', (header, expected) => {
    expect(parseIfMatch(header)).toEqual(expected);
  });

  it('round-trips the ETag it produces', () => {
    expect(parseIfMatch(etagOf(7))).toEqual({ kind: 'versions', versions: [7] });
  });
});
