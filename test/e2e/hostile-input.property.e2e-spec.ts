import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { useAppWithAws } from '../support/app-with-aws';
import { startMarketDataSimulator, type MarketDataSimulator } from '../support/market-data-simulator';
import { CONFIGURATIONS, createConfiguration } from '../support/configurations';
import { entityTags, headerValue, paramValue, percentEncode, routesOf, StatusCounts, type Route } from '../support/hostile-input';
import { TEST_AUTH } from '../support/test-app';

interface HostileRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

const RUNS_PER_ROUTE = 100;
/** Valid query values the document does not give (no example); the property adds hostile ones on top. */
const VALID_QUERY: Record<string, Record<string, string>> = {
  '/api/v2/tickers/search': { q: 'app' },
  '/api/v2/tickers/{ticker}/ohlc': { resolution: 'D', range: '1M' },
};
const REQUEST_TIMEOUT_MS = 15_000;
// Headers every route sees, whether it documents them or not.
const COMMON_HEADERS = ['x-request-id', 'if-match', 'if-none-match', 'idempotency-key', 'x-forwarded-for', 'x-forwarded-proto', 'accept', 'cookie', 'content-type', 'range'];

/**
 * Random header and parameter values on every route of the OpenAPI document, through the real
 * AppModule with DynamoDB Local, s3rver and the market-data simulator: client input must end in a
 * 4xx (or a 2xx), never in a 5xx — no DynamoDB ValidationException turned into 503, no crash.
 */
describe('hostile headers and parameters (property)', () => {
  let simulator: MarketDataSimulator;
  let baseUrl: string;
  let routes: Route[];
  let ownedConfigId: string;
  // Registered before useAppWithAws' own hooks: the app's environment needs the simulator's URL.
  beforeAll(async () => {
    simulator = await startMarketDataSimulator();
  });
  const ctx = useAppWithAws(() => ({
    TIINGO_BASE_URL: simulator.tiingoBaseUrl,
    FINNHUB_BASE_URL: simulator.finnhubBaseUrl,
    TIINGO_API_KEY: simulator.tiingoApiKey,
    FINNHUB_API_KEY: simulator.finnhubApiKey,
    REQUEST_DEADLINE_MS: '10000',
  }));

  beforeAll(async () => {
    await ctx.testApp.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(ctx.testApp.app.getHttpServer().address() as AddressInfo).port}`;
    routes = routesOf((await send({ method: 'GET', path: '/docs-json', headers: {} }, true)).body);
    ownedConfigId = (await createConfiguration(ctx.testApp, 'property-owner')).body.config_id as string;
  });
  afterAll(async () => {
    await simulator?.close();
  });

  const token = (sub: string, roles: string[]): Promise<string> =>
    new SignJWT({ roles })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setIssuer(TEST_AUTH.issuer)
      .setAudience(TEST_AUTH.audience)
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(TEST_AUTH.secret));

  const authorization = fc.oneof(
    { weight: 3, arbitrary: fc.record({ sub: fc.constant('property-owner'), admin: fc.boolean() }) },
    { weight: 3, arbitrary: fc.record({ sub: fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }), admin: fc.boolean() }) },
    // Past DynamoDB's 2 048-byte partition key.
    { weight: 1, arbitrary: fc.record({ sub: fc.string({ unit: 'binary-ascii', minLength: 2100, maxLength: 5000 }), admin: fc.boolean() }) },
    { weight: 1, arbitrary: headerValue },
  );

  /**
   * A valid request of the route with a few parts replaced by hostile values, so most requests
   * get past authentication and validation to the repositories (where a bad value would cost a
   * 5xx), and every part is attacked in some of them.
   */
  function requestFor(route: Route): fc.Arbitrary<Promise<HostileRequest>> {
    const pathParams = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    const headerNames = [...new Set([...COMMON_HEADERS, ...route.headers])];
    const validQuery = Object.entries({ ...route.requiredQuery, ...VALID_QUERY[route.path] });
    const maybe = <T>(valid: T, hostile: fc.Arbitrary<T>): fc.Arbitrary<T> => fc.oneof({ weight: 2, arbitrary: fc.constant(valid) }, { weight: 1, arbitrary: hostile });
    return fc
      .record({
        path: fc.tuple(...pathParams.map((name) => maybe<string | undefined>(undefined, fc.oneof(paramValue, fc.uuid())).map((value) => value ?? validPathValue(name)))),
        query: maybe(
          validQuery,
          fc.oneof(
            // Documented names with hostile values, on top of the valid ones.
            fc.tuple(...route.query.map((name) => fc.option(paramValue.map((value): [string, string] => [name, value]), { nil: undefined }))).map((pairs) => [
              ...validQuery,
              ...pairs.filter((pair): pair is [string, string] => pair !== undefined),
            ]),
            fc.array(fc.tuple(fc.oneof(fc.constantFrom(...route.query, 'token'), fc.string({ maxLength: 10 }).map(percentEncode)), paramValue), { maxLength: 6 }),
          ),
        ),
        headers: fc
          .uniqueArray(fc.constantFrom(...headerNames), { maxLength: 3 })
          .chain((names) => fc.tuple(...names.map((name) => (name === 'if-match' ? fc.oneof(entityTags, headerValue) : headerValue).map((value) => [name, value] as const)))),
        // The headers a route documents are the ones that reach DynamoDB: attacked in every other request.
        documented: fc.tuple(
          ...route.headers.map((name) => fc.option((name === 'if-match' ? entityTags : headerValue).map((value) => [name, value] as const), { nil: undefined })),
        ),
        auth: authorization,
        body: maybe(
          route.method === 'PATCH' ? { name: 'Renamed' } : { name: 'Tech', tickers: ['AAPL'] },
          fc.oneof(
            fc.record({ name: fc.string({ unit: 'binary', maxLength: 60 }), tickers: fc.array(fc.string({ maxLength: 6 }), { maxLength: 6 }) }),
            fc.jsonValue({ maxDepth: 3 }),
          ),
        ),
      })
      .map(async ({ path, query, headers, documented, auth, body }) => {
        let i = 0;
        const filled = route.path.replace(/\{[^}]+\}/g, () => path[i++]);
        const search = query.map(([name, value]) => `${name}=${value}`).join('&');
        const all: Record<string, string> = Object.fromEntries([...headers, ...documented.filter((header) => header !== undefined)]);
        all.authorization = typeof auth === 'string' ? auth : `Bearer ${await token(auth.sub, auth.admin ? ['admin'] : [])}`;
        const withBody = route.method === 'POST' || route.method === 'PATCH';
        if (withBody) all['content-type'] ??= 'application/json';
        return {
          method: route.method,
          path: `${filled}${search ? `?${search}` : ''}`,
          headers: all,
          body: withBody ? (JSON.stringify(body) ?? 'null') : undefined,
        };
      });
  }

  const validPathValue = (name: string): string => (name === 'config_id' ? ownedConfigId : 'AAPL');

  /** Raw node:http, so any Latin-1 header value goes out as is; stops reading after the status (streams never end). */
  function send(req: HostileRequest, readBody = false): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(`${baseUrl}${req.path}`, { method: req.method, headers: req.headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
        if (!readBody) {
          res.destroy();
          resolve({ status: res.statusCode ?? 0, body: '' });
          return;
        }
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      outgoing.on('error', reject);
      outgoing.end(req.body);
    });
  }

  it('covers every documented route', () => {
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([
        `POST ${CONFIGURATIONS}`,
        `GET ${CONFIGURATIONS}`,
        `GET ${CONFIGURATIONS}/{config_id}`,
        `PATCH ${CONFIGURATIONS}/{config_id}`,
        `DELETE ${CONFIGURATIONS}/{config_id}`,
        'GET /api/v2/tickers/search',
        'GET /api/v2/tickers/validate',
        'GET /api/v2/tickers/{ticker}/ohlc',
        'DELETE /api/v2/tickers/{ticker}/ohlc/cache',
        'GET /api/v2/quota',
        'GET /health/live',
      ]),
    );
  });

  it('answers random header and parameter values on every route without a single 5xx', async () => {
    const failures: string[] = [];
    const statuses = new StatusCounts();
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(requestFor(route), async (pending) => {
          const req = await pending;
          const { status } = await send(req);
          statuses.add(`${route.method} ${route.path}`, status);
          if (status >= 500) failures.push(`${status} ${req.method} ${req.path.slice(0, 300)} ${JSON.stringify(req.headers).slice(0, 500)}`);
          return status < 500;
        }),
        { numRuns: RUNS_PER_ROUTE, endOnFailure: true },
      );
    }
    expect(failures).toEqual([]);
    // The generators are worth something only if requests get past authentication and validation.
    const unreached = routes.map((r) => `${r.method} ${r.path}`).filter((key) => !statuses.reachedService(key));
    expect(unreached.map((key) => `${key}: ${statuses.of(key)}`)).toEqual([]);
  });
});
