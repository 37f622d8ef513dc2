import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { SignJWT } from 'jose';
import { PUBLISHED_DEV_SECRET } from '../../src/config/published-dev-secret';
import { startMarketDataSimulator, type MarketDataSimulator } from '../support/market-data-simulator';
import { startServiceProcess, type ServiceProcess } from '../support/service-process';
import { baseTestEnv, TEST_AUTH } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';

const MAIN = resolve(__dirname, '../../dist/src/main.js');
const unique = (label: string): string => `${label}-${randomBytes(12).toString('hex')}`;

describe('secrets at start-up', () => {
  it('refuses the published dev secret with NODE_ENV=production, in one line naming AUTH_JWT_SECRET', async () => {
    const env = { PATH: process.env.PATH, ...baseTestEnv(), AUTH_JWT_SECRET: PUBLISHED_DEV_SECRET, NODE_ENV: 'production' };
    const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];

    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^config error: AUTH_JWT_SECRET is the development secret published/)]);
    expect(stderr).not.toContain(PUBLISHED_DEV_SECRET);
  });
});

/**
 * The built service, at LOG_LEVEL=trace, through successful, failing-over and failing provider
 * calls and hostile requests: no provider key, JWT secret or bearer token may appear in any log
 * line, and no key in any URL the market-data simulator received.
 */
describe('secrets in logs and provider URLs', () => {
  const tiingoKey = unique('tiingo-key');
  const finnhubKey = unique('finnhub-key');
  const jwtSecret = unique('jwt-secret');
  let resources: TestAwsResources;
  let simulator: MarketDataSimulator;
  let service: ServiceProcess;
  const bearers: string[] = [];

  /** `undefined` removes a claim. */
  const token = async (claims: Record<string, unknown>, secret = jwtSecret): Promise<string> => {
    const payload: Record<string, unknown> = {
      sub: 'secrets-user', iss: TEST_AUTH.issuer, aud: TEST_AUTH.audience, exp: Math.floor(Date.now() / 1000) + 600, roles: ['admin'], ...claims,
    };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
    const jwt = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
    bearers.push(jwt);
    return jwt;
  };
  const get = async (path: string, headers: Record<string, string> = {}): Promise<number> => {
    const res = await fetch(`${service.url}${path}`, { headers });
    await res.arrayBuffer();
    return res.status;
  };

  beforeAll(async () => {
    resources = await createTestAwsResources();
    simulator = await startMarketDataSimulator({ tiingoApiKey: tiingoKey, finnhubApiKey: finnhubKey });
    service = await startServiceProcess({
      ...resources.env,
      LOG_LEVEL: 'trace',
      AUTH_JWT_SECRET: jwtSecret,
      TIINGO_API_KEY: tiingoKey,
      TIINGO_BASE_URL: simulator.tiingoBaseUrl,
      FINNHUB_API_KEY: finnhubKey,
      FINNHUB_BASE_URL: simulator.finnhubBaseUrl,
      CIRCUIT_TIINGO_FAILURE_THRESHOLD: '1000',
      CIRCUIT_FINNHUB_FAILURE_THRESHOLD: '1000',
    });
  });
  afterAll(async () => {
    await service?.stop();
    await simulator?.close();
    await resources?.destroy();
  });

  it('keeps every key, secret and bearer token out of log lines and provider URLs', async () => {
    const auth = { Authorization: `Bearer ${await token({})}` };
    const ohlc = (ticker: string): string => `/api/v2/tickers/${ticker}/ohlc?resolution=D&start_date=2026-11-02&end_date=2026-11-13`;

    expect(await get(ohlc('AAPL'), auth)).toBe(200); // Tiingo
    simulator.failWith('tiingo', 500);
    expect(await get(ohlc('MSFT'), auth)).toBe(200); // Finnhub, after Tiingo's failures
    simulator.failWith('finnhub', 503);
    expect(await get(ohlc('NVDA'), auth)).toBe(503); // both down
    // Credentials a client puts where they do not belong: query strings at any depth, cookies.
    const leaked = await token({});
    const hostileQuery =
      `?access_token=${leaked}&user[api_key]=${finnhubKey}&a.b.secret=${jwtSecret}&token=${tiingoKey}` +
      `&next=${encodeURIComponent(`/cb?apikey=${tiingoKey}&id=1`)}`;
    expect(await get(`/health/live${hostileQuery}`, { Cookie: `session=${leaked}` })).toBe(200);
    expect(await get(`/api/v2/configurations${hostileQuery}`, { Authorization: `Bearer ${await token({}, unique('wrong-secret'))}` })).toBe(401);
    expect(await get('/api/v2/configurations', { Authorization: `Bearer ${await token({ exp: undefined })}`, Cookie: `id=${jwtSecret}` })).toBe(401);
    expect(await get('/api/v2/quota', auth)).toBe(200);
    await service.waitForLog((line) => line.msg === 'request completed' && (line.req as { url?: string })?.url === '/api/v2/quota');

    expect(simulator.calls('tiingo')).toBeGreaterThan(0);
    expect(simulator.calls('finnhub')).toBeGreaterThan(0);
    const providerUrls = JSON.stringify(simulator.callLog);
    const logs = JSON.stringify(service.logs);
    expect(service.logs.length).toBeGreaterThan(8);
    for (const secret of [tiingoKey, finnhubKey, jwtSecret, ...bearers]) {
      expect(providerUrls).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
    expect(logs).toContain('access_token=[redacted]');
  });
});
