import { ValidationFailedError } from '../common/errors';
import { etagOf, MAX_IF_MATCH_TAGS, parseIfMatch } from './configuration';

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

  it(`accepts ${MAX_IF_MATCH_TAGS} tags and rejects more as a validation error, not a DynamoDB one`, () => {
    const tags = (n: number): string => Array.from({ length: n }, (_, i) => `"${i + 1}"`).join(', ');
    expect(parseIfMatch(tags(MAX_IF_MATCH_TAGS))).toEqual({ kind: 'versions', versions: Array.from({ length: MAX_IF_MATCH_TAGS }, (_, i) => i + 1) });
    expect(() => parseIfMatch(tags(MAX_IF_MATCH_TAGS + 1))).toThrow(ValidationFailedError);
    expect(() => parseIfMatch(tags(150))).toThrow(ValidationFailedError);
    expect(() => parseIfMatch(`*${','.repeat(MAX_IF_MATCH_TAGS)}`)).toThrow(ValidationFailedError);
  });

  it('names a repeated version once', () => {
    expect(parseIfMatch('"2", "2", W/"2"')).toEqual({ kind: 'versions', versions: [2] });
  });

  it('round-trips the ETag it produces', () => {
    expect(parseIfMatch(etagOf(7))).toEqual({ kind: 'versions', versions: [7] });
  });
});
