import { parseTickerList, TickerIndex, UnusableTickerListError } from './ticker-list';

const list = (symbols: Record<string, unknown>): string => JSON.stringify({ version: 'v1', symbols });
const active = (name: string, exchange = 'NASDAQ') => ({ name, exchange, is_active: true });

describe(parseTickerList.name, () => {
  it('keeps good entries and reports each malformed one instead of failing the list', () => {
    const parsed = parseTickerList(
      list({
        AAPL: active('Apple Inc.'),
        FB: { name: 'Meta (former)', exchange: 'NASDAQ', is_active: false, successor_symbol: 'META' },
        NONAME: { exchange: 'NYSE', is_active: true },
        lower: active('Lower Case'),
        FLAG: { name: 'Flag', exchange: 'NYSE', is_active: 'yes' },
      }),
    );

    expect(parsed.entries.map((e) => e.symbol)).toEqual(['AAPL', 'FB']);
    expect(parsed.entries[1]).toEqual({ symbol: 'FB', name: 'Meta (former)', exchange: 'NASDAQ', isActive: false, successorSymbol: 'META' });
    expect(parsed.skipped.map((s) => s.symbol)).toEqual(['NONAME', 'lower', 'FLAG']);
  });

  it.each([
    ['invalid JSON', '{"symbols": {'],
    ['no symbols object', JSON.stringify({ version: 'v1', symbols: [] })],
    ['not an object', '[]'],
    ['no usable entry', list({ BAD: { name: 1 } })],
  ])('refuses %s as a whole', (_, text) => {
    expect(() => parseTickerList(text)).toThrow(UnusableTickerListError);
  });
});

describe(TickerIndex.name, () => {
  const index = new TickerIndex(
    parseTickerList(
      list({
        AMAT: active('Applied Materials, Inc.'),
        AAPL: active('Apple Inc.'),
        APP: active('AppLovin Corporation'),
        APPX: { name: 'Delisted App', exchange: 'NYSE', is_active: false },
        APPN: active('Appian Corporation'),
        MAPP: active('Mapping Apparel'),
      }),
    ).entries,
    'v1',
  );
  const symbols = (query: string, limit = 10) => index.search(query, limit).map((e) => e.symbol);

  it('orders exact symbol, then symbol prefix, then name substring, active only', () => {
    expect(symbols('app')).toEqual(['APP', 'APPN', 'AAPL', 'AMAT', 'MAPP']);
  });

  it('stops at the limit', () => {
    expect(symbols('app', 2)).toEqual(['APP', 'APPN']);
  });

  it('finds by name without matching a symbol', () => {
    expect(symbols('materials')).toEqual(['AMAT']);
  });

  it('looks up delisted symbols for validation though search hides them', () => {
    expect(index.lookup('APPX')?.isActive).toBe(false);
    expect(symbols('APPX')).toEqual([]);
  });
});
