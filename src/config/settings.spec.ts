import { InvalidEnvironmentError, loadSettings } from './settings';
import { PUBLISHED_DEV_SECRET } from './published-dev-secret';

const baseEnv = {
  AWS_REGION: 'us-east-1', USERS_TABLE: 'users', OHLC_CACHE_TABLE: 'ohlc', QUOTA_TABLE: 'quota', TICKER_LIST_BUCKET: 'bucket',
  AUTH_ISSUER: 'https://issuer.test', AUTH_AUDIENCE: 'app-client-1',
};

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadSettings({ ...baseEnv, ...env });
    return [];
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) return error.problems;
    throw error;
  }
}

describe(`${loadSettings.name} (authentication)`, () => {
  it('refuses the published dev secret with NODE_ENV=production, in one line naming AUTH_JWT_SECRET', () => {
    const problems = problemsOf({ AUTH_JWT_SECRET: PUBLISHED_DEV_SECRET, NODE_ENV: 'production' });
    expect(problems).toEqual([expect.stringMatching(/^AUTH_JWT_SECRET is the development secret published in this repository/)]);
    expect(problems[0]).not.toContain(PUBLISHED_DEV_SECRET);
  });

  it('allows the published dev secret outside production, and any other secret in production', () => {
    expect(problemsOf({ AUTH_JWT_SECRET: PUBLISHED_DEV_SECRET })).toEqual([]);
    expect(problemsOf({ AUTH_JWT_SECRET: PUBLISHED_DEV_SECRET, NODE_ENV: 'development' })).toEqual([]);
    expect(problemsOf({ AUTH_JWT_SECRET: 'a-secret-of-our-own-with-at-least-32-chars', NODE_ENV: 'production' })).toEqual([]);
  });

  it.each([
    'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X/.well-known/jwks.json',
    'http://127.0.0.1:8080/jwks.json',
    'http://127.8.9.10/jwks.json',
    'http://localhost:9000/jwks.json',
    'http://[::1]:9000/jwks.json',
  ])('accepts the JWKS URL %s', (url) => {
    expect(problemsOf({ AUTH_JWKS_URL: url })).toEqual([]);
  });

  it.each(['http://idp.example.com/jwks.json', 'http://10.0.0.5/jwks.json', 'http://localhost.evil.example/jwks.json', 'http://128.0.0.1/jwks.json'])(
    'refuses the plain-http JWKS URL %s',
    (url) => {
      expect(problemsOf({ AUTH_JWKS_URL: url })).toEqual([expect.stringMatching(/^AUTH_JWKS_URL must be an https URL/)]);
    },
  );

  it('reads the roles claim from AUTH_ROLES_CLAIM, "roles" by default', () => {
    expect(loadSettings({ ...baseEnv, AUTH_JWT_SECRET: 'x'.repeat(32) }).auth.rolesClaim).toBe('roles');
    expect(loadSettings({ ...baseEnv, AUTH_JWT_SECRET: 'x'.repeat(32), AUTH_ROLES_CLAIM: 'cognito:groups' }).auth.rolesClaim).toBe('cognito:groups');
  });
});
