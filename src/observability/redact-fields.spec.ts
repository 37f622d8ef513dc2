import { redactFields } from './redact-fields';

describe(redactFields.name, () => {
  it('leaves a line without credentials as it is, the very same object', () => {
    const line = { route: '/api/v2/tickers/:ticker/ohlc', status: 200, latency_ms: 3, cache_source: 'in-memory', nested: { symbol: 'AAPL' } };
    expect(redactFields(line)).toBe(line);
  });

  it('censors credential fields at the top and one level down, without touching the caller\'s objects', () => {
    const provider = { apiKey: 'k-1', api_key: 'k-2', name: 'tiingo' };
    const line = { token: 't-0', provider, settings: { secret: 's-1', accessToken: 'a-1', access_token: 'a-2', cookie: 'c', authorization: 'Bearer x' } };
    expect(redactFields(line)).toEqual({
      token: '[redacted]',
      provider: { apiKey: '[redacted]', api_key: '[redacted]', name: 'tiingo' },
      settings: { secret: '[redacted]', accessToken: '[redacted]', access_token: '[redacted]', cookie: '[redacted]', authorization: '[redacted]' },
    });
    expect(provider.apiKey).toBe('k-1');
  });

  it('censors credential headers in any letter case, and keeps an error readable', () => {
    const error = Object.assign(new Error('upstream said no'), {
      headers: { Authorization: 'Bearer x', 'X-Finnhub-Token': 'f', 'content-type': 'application/json', 'Set-Cookie': 'id=1' },
    });
    const out = redactFields({ err: error, request: { headers: { cookie: 'c', 'x-api-key': 'k' } } });
    expect(out.err).toMatchObject({
      type: 'Error',
      message: 'upstream said no',
      headers: { Authorization: '[redacted]', 'X-Finnhub-Token': '[redacted]', 'content-type': 'application/json', 'Set-Cookie': '[redacted]' },
    });
    expect(String((out.err as { stack: string }).stack)).toContain('upstream said no');
    expect(out.request).toEqual({ headers: { cookie: '[redacted]', 'x-api-key': '[redacted]' } });
    expect(error.headers.Authorization).toBe('Bearer x');
  });

  it('leaves req and res to their serializers, which log no headers', () => {
    const req = { method: 'GET', url: '/x', headers: { authorization: 'Bearer x' } };
    const line = { req };
    expect(redactFields(line)).toBe(line);
  });
});
