import { parseRetryAfter, providerUrl } from './provider-http';

describe(parseRetryAfter.name, () => {
  const now = Date.parse('2026-11-22T14:00:00Z');

  it.each([
    ['120', 120],
    [' 7 ', 7],
    ['Sun, 22 Nov 2026 14:00:30 GMT', 30],
    ['Sun, 22 Nov 2026 13:00:00 GMT', 0],
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
  ])('reads %p as %p seconds', (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });
});

describe(providerUrl.name, () => {
  it('keeps a path prefix of the base URL and ignores a trailing slash', () => {
    expect(providerUrl('http://proxy.local/tiingo-api/', '/iex/AAPL/prices').href).toBe('http://proxy.local/tiingo-api/iex/AAPL/prices');
  });
});
