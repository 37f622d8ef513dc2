import { VerifiedTokenCache } from './verified-token.cache';

describe(VerifiedTokenCache.name, () => {
  let now: number;
  const user = { sub: 'user-1', roles: ['admin'] };
  const cache = (maxAgeSeconds: number): VerifiedTokenCache => new VerifiedTokenCache(maxAgeSeconds, () => now);

  beforeEach(() => {
    now = Date.parse('2026-12-01T10:00:00Z');
  });

  it('remembers a verified token for its maximum age', () => {
    const tokens = cache(120);
    tokens.set('t', user, now / 1000 + 3600);
    now += 119_999;
    expect(tokens.get('t')).toEqual(user);
    now += 1;
    expect(tokens.get('t')).toBeUndefined();
  });

  it('never past the token\'s exp', () => {
    const tokens = cache(120);
    tokens.set('t', user, now / 1000 + 30);
    now += 29_999;
    expect(tokens.get('t')).toEqual(user);
    now += 1;
    expect(tokens.get('t')).toBeUndefined();
  });

  it('keeps nothing with a maximum age of 0, or for a token already expired', () => {
    const off = cache(0);
    off.set('t', user, now / 1000 + 3600);
    expect(off.get('t')).toBeUndefined();
    const tokens = cache(120);
    tokens.set('old', user, now / 1000 - 1);
    expect(tokens.get('old')).toBeUndefined();
  });

  it('knows only the exact token it was given', () => {
    const tokens = cache(120);
    tokens.set('token-a', user, now / 1000 + 3600);
    expect(tokens.get('token-a ')).toBeUndefined();
    expect(tokens.get('token-b')).toBeUndefined();
  });
});
