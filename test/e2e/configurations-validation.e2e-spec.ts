import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import request from 'supertest';
import { CONFIGURATIONS, createConfiguration, validBody } from '../support/configurations';
import { startTestApp, type TestApp } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';

const FIELDS = new Set(['name', 'tickers', 'timeframe_days', 'include_extended_hours']);
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 100);

// Same counting as class-validator's Length: surrogate pairs and variation selectors count once.
const visibleLength = (s: string): number => s.length - (s.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]|\uFE0F|\uFE0E/g) ?? []).length;

const notString = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
const notInteger = fc.oneof(fc.double().filter((d) => !Number.isInteger(d)), fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }));
const validSymbol = fc.constantFrom('AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META', 'TSLA');

/** Each arbitrary makes one field wrong in one way; the rest of the body may be valid. */
const badName = fc.oneof(
  notString,
  fc.string({ unit: 'binary', minLength: 51, maxLength: 200 }).filter((s) => visibleLength(s.trim()) > 50),
  fc.constantFrom('', '   ', '\t\n'),
);
const badTickers = fc.oneof(
  notString.filter((v) => !Array.isArray(v)),
  fc.constant([]),
  fc.shuffledSubarray(['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META', 'TSLA'], { minLength: 6 }),
  fc.tuple(validSymbol, notString).map(([s, bad]) => [s, bad]),
  fc.tuple(validSymbol, fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => !/^[A-Za-z]{1,5}$/.test(s.trim()))).map(([s, bad]) => [s, bad]),
  validSymbol.map((s) => [s.toLowerCase(), ` ${s} `]),
);
const badTimeframe = fc.oneof(notInteger, fc.integer({ max: 0 }), fc.integer({ min: 366 }));
const badFlag = fc.oneof(fc.constant(null), fc.constantFrom('true', 'false', 1, 0, [], {}));
const unknownField = fc
  .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).filter((k) => !FIELDS.has(k) && k !== '__proto__'), fc.jsonValue())
  .map(([key, value]) => ({ [key]: value }));

const mutation = fc.oneof(
  badName.map((name) => ({ name })),
  badTickers.map((tickers) => ({ tickers })),
  badTimeframe.map((timeframe_days) => ({ timeframe_days })),
  badFlag.map((include_extended_hours) => ({ include_extended_hours })),
  unknownField,
);

function expectValidationFailure(res: request.Response): void {
  expect(res.status).toBe(400);
  expect(res.body.code).toBe('VALIDATION_FAILED');
  expect(res.body.details.errors.length).toBeGreaterThan(0);
  for (const error of res.body.details.errors) expect(error).toEqual({ field: expect.any(String), message: expect.any(String) });
}

describe('configuration bodies (property-based, e2e)', () => {
  let resources: TestAwsResources;
  let testApp: TestApp;
  let auth: { Authorization: string };
  const sub = `fuzz-${randomUUID()}`;

  beforeAll(async () => {
    resources = await createTestAwsResources();
    testApp = await startTestApp(resources.env);
    auth = { Authorization: await testApp.bearer(sub) };
  });
  afterAll(async () => {
    await testApp?.close();
    await resources?.destroy();
  });

  it('answers every malformed create body with 400 and details, never 500', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, fc.boolean(), async (change, dropOthers) => {
        const body = dropOthers ? change : { ...validBody(), ...change };
        const res = await request(testApp.server).post(CONFIGURATIONS).set(auth).send(body);
        expectValidationFailure(res);
      }),
      { numRuns: NUM_RUNS },
    );
    const list = await request(testApp.server).get(CONFIGURATIONS).set(auth);
    expect(list.body.configurations).toEqual([]);
  });

  it('answers every malformed patch body with 400 and details and leaves the configuration unchanged', async () => {
    const created = await createConfiguration(testApp, sub, validBody({ name: 'Fuzz target' }));
    const url = created.headers.location as string;

    await fc.assert(
      fc.asyncProperty(mutation, fc.subarray(['name', 'tickers', 'timeframe_days']), async (change, keep) => {
        const valid = { name: 'Still valid', tickers: ['AAPL'], timeframe_days: 30 } as Record<string, unknown>;
        const body = { ...Object.fromEntries(keep.map((k) => [k, valid[k]])), ...change };
        const res = await request(testApp.server).patch(url).set(auth).send(body);
        expectValidationFailure(res);
      }),
      { numRuns: NUM_RUNS },
    );
    const after = await request(testApp.server).get(url).set(auth);
    expect([after.body.name, after.headers.etag]).toEqual(['Fuzz target', '"1"']);
  });

  // Found by this property: fields named like Object.prototype members, and letters whose
  // upper case is ASCII ('ſ' → 'S'), used to slip through.
  it.each([
    [{ ...validBody(), toString: [] }],
    [{ ...validBody(), constructor: 1 }],
    [{ ...validBody(), tickers: ['AAPL', 'ſ'] }],
  ])('rejects %j with 400 VALIDATION_FAILED', async (body) => {
    expectValidationFailure(await request(testApp.server).post(CONFIGURATIONS).set(auth).send(body));
  });

  it.each([
    ['an array', '[{"name":"x","tickers":["AAPL"]}]'],
    ['a string', '"hello"'],
    ['a number', '42'],
    ['null', 'null'],
  ])('answers a JSON body that is %s with 400 VALIDATION_FAILED', async (_, raw) => {
    const res = await request(testApp.server).post(CONFIGURATIONS).set(auth).set('Content-Type', 'application/json').send(raw);

    expectValidationFailure(res);
  });
});
