import { SignJWT, type JWTPayload } from 'jose';
import { loadSettings } from '../../config/settings';
import { UnauthenticatedError } from '../errors/common.errors';
import { TokenVerifier } from './token-verifier';

const SECRET = 'unit-test-secret-that-is-at-least-32-characters';
const baseEnv = {
  AWS_REGION: 'us-east-1', USERS_TABLE: 'users', OHLC_CACHE_TABLE: 'ohlc', QUOTA_TABLE: 'quota', TICKER_LIST_BUCKET: 'bucket',
  AUTH_JWT_SECRET: SECRET, AUTH_ISSUER: 'https://issuer.test', AUTH_AUDIENCE: 'app-client-1',
};

/** Real HS256 tokens; `claims` replaces the defaults, `undefined` removes a claim. */
function sign(claims: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { sub: 'user-1', iss: 'https://issuer.test', aud: 'app-client-1', exp: now + 600, roles: ['admin'], ...claims };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload as JWTPayload).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
}

describe(TokenVerifier.name, () => {
  const verifier = (env: Record<string, string> = {}): TokenVerifier => new TokenVerifier(loadSettings({ ...baseEnv, ...env }));
  const rejection = async (token: Promise<string>, env: Record<string, string> = {}): Promise<UnauthenticatedError> => {
    const error = await verifier(env).verify(await token).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    return error as UnauthenticatedError;
  };

  it('accepts a token with sub, exp, iss and aud, and reads roles from the "roles" claim by default', async () => {
    await expect(verifier().verify(await sign())).resolves.toEqual({ sub: 'user-1', roles: ['admin'] });
  });

  it('remembers a verified token, but never past its exp', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
    try {
      const remembering = verifier();
      const token = await sign({ exp: Math.floor(Date.now() / 1000) + 60 });
      await expect(remembering.verify(token)).resolves.toEqual({ sub: 'user-1', roles: ['admin'] });
      jest.setSystemTime(Date.now() + 30_000);
      await expect(remembering.verify(token)).resolves.toEqual({ sub: 'user-1', roles: ['admin'] });
      // Past exp and jose's 5 s tolerance: the remembered answer is gone and the token is refused.
      jest.setSystemTime(Date.now() + 36_000);
      await expect(remembering.verify(token)).rejects.toThrow('The token has expired');
    } finally {
      jest.useRealTimers();
    }
  });

  it('rejects a token without exp, even one with the admin role', async () => {
    expect((await rejection(sign({ exp: undefined }))).message).toBe('The token has no "exp" claim');
  });

  it('rejects a token without sub, and one whose sub is longer than 128 characters', async () => {
    await rejection(sign({ sub: undefined }));
    await expect(verifier().verify(await sign({ sub: 'u'.repeat(128) }))).resolves.toMatchObject({ sub: 'u'.repeat(128) });
    expect((await rejection(sign({ sub: 'u'.repeat(129) }))).message).toMatch(/"sub".*128/);
    await rejection(sign({ sub: 'x'.repeat(5000) }));
  });

  it('counts characters, not UTF-16 units, and rejects a sub that is not well-formed Unicode', async () => {
    await expect(verifier().verify(await sign({ sub: '😀'.repeat(128) }))).resolves.toMatchObject({ sub: '😀'.repeat(128) });
    await rejection(sign({ sub: 'broken-\ud800' }));
  });

  it('reads roles from AUTH_ROLES_CLAIM and ignores the default claim then', async () => {
    const cognito = { AUTH_ROLES_CLAIM: 'cognito:groups' };
    await expect(verifier(cognito).verify(await sign({ roles: undefined, 'cognito:groups': ['admin', 7] }))).resolves.toEqual({ sub: 'user-1', roles: ['admin'] });
    await expect(verifier(cognito).verify(await sign({ roles: ['admin'] }))).resolves.toEqual({ sub: 'user-1', roles: [] });
  });

  it('matches a token without aud on client_id, and nothing else', async () => {
    await expect(verifier().verify(await sign({ aud: undefined, client_id: 'app-client-1', token_use: 'access' }))).resolves.toMatchObject({ sub: 'user-1' });
    expect((await rejection(sign({ aud: undefined, client_id: 'other-client' }))).message).toMatch(/client_id/);
    await rejection(sign({ aud: undefined }));
    // aud decides when present: a matching client_id does not rescue a foreign audience.
    expect((await rejection(sign({ aud: 'other-app', client_id: 'app-client-1' }))).message).toMatch(/"aud"/);
    await expect(verifier().verify(await sign({ aud: ['other-app', 'app-client-1'] }))).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('rejects an expired token and one from another issuer', async () => {
    expect((await rejection(sign({ exp: Math.floor(Date.now() / 1000) - 60 }))).message).toBe('The token has expired');
    await rejection(sign({ iss: 'https://evil.test' }));
  });
});
