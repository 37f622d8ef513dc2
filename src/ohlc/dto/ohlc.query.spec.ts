import fc from 'fast-check';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { ValidationFailedError } from '../../common/errors';
import { StrictValidationPipe } from '../../common/http/validation.pipe';
import { RESOLUTIONS } from '../candle.model';
import { checkOhlcQuery, OhlcQueryPipe, RANGE_PRESETS } from './ohlc.query';

/** The query DTO as the generic class-validator pipe used to check it: the reference the lean path must match. */
class DecoratedOhlcQuery {
  @IsIn(RESOLUTIONS)
  resolution = 'D';

  @IsOptional()
  @IsIn(RANGE_PRESETS)
  range?: string;

  @IsOptional()
  @IsString()
  start_date?: string;

  @IsOptional()
  @IsString()
  end_date?: string;
}

/** What express' query parser hands over: an object without prototype, values strings or arrays of strings. */
function parsedQuery(pairs: ReadonlyArray<readonly [string, string | string[]]>): Record<string, unknown> {
  const query = Object.create(null) as Record<string, unknown>;
  for (const [name, value] of pairs) query[name] = value;
  return query;
}

async function referenceOutcome(query: Record<string, unknown>): Promise<unknown> {
  try {
    const dto = (await new StrictValidationPipe().transform(query, { type: 'query', metatype: DecoratedOhlcQuery })) as DecoratedOhlcQuery;
    return { query: Object.fromEntries(Object.entries({ ...dto }).filter(([, value]) => value !== undefined)) };
  } catch (error) {
    if (error instanceof ValidationFailedError) return { errors: error.errors };
    throw error;
  }
}

function fieldsOf(query: Record<string, unknown>): string[] {
  const checked = checkOhlcQuery(query);
  return 'errors' in checked ? checked.errors.map((e) => e.field) : [];
}

const NAMES = ['resolution', 'range', 'start_date', 'end_date', 'interval', 'token', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'];
const VALUES = [...RESOLUTIONS, ...RANGE_PRESETS, '', 'x', '2', '2W', 'd', '1m', '2026-11-02', '2026-02-30', ' D'];
const value = fc.oneof(
  { weight: 4, arbitrary: fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 6 })) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...VALUES), { minLength: 2, maxLength: 3 }) },
);
const pairs = fc.uniqueArray(fc.tuple(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...NAMES) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) }), value), {
  maxLength: 6,
  selector: ([name]) => name,
});

describe(checkOhlcQuery.name, () => {
  it('accepts the defaults and every documented value', () => {
    expect(checkOhlcQuery(parsedQuery([]))).toEqual({ query: { resolution: 'D' } });
    expect(checkOhlcQuery(parsedQuery([['resolution', '15'], ['range', 'YTD']]))).toEqual({ query: { resolution: '15', range: 'YTD' } });
    expect(checkOhlcQuery(parsedQuery([['start_date', '2026-11-02'], ['end_date', 'not checked here']]))).toEqual({
      query: { resolution: 'D', start_date: '2026-11-02', end_date: 'not checked here' },
    });
  });

  it('names each bad parameter with the message of the documented envelope', () => {
    expect(checkOhlcQuery(parsedQuery([['resolution', '2'], ['range', '2W']]))).toEqual({
      errors: [
        { field: 'resolution', message: 'resolution must be one of the following values: 1, 5, 15, 30, 60, D' },
        { field: 'range', message: 'range must be one of the following values: 1D, 1W, 1M, 3M, 6M, YTD, 1Y' },
      ],
    });
    expect(fieldsOf(parsedQuery([['start_date', ['2026-11-02', '2026-11-03']]]))).toEqual(['start_date']);
    expect(fieldsOf(parsedQuery([['resolution', ['D', 'D']]]))).toEqual(['resolution']);
  });

  it('rejects unknown parameters, Object.prototype names included, after the per-field errors for those', () => {
    expect(fieldsOf(parsedQuery([['toString', '1'], ['interval', '5'], ['range', 'x'], ['__proto__', 'y']]))).toEqual(['interval', 'range', 'toString', '__proto__']);
  });

  it.each<[string, Array<[string, string | string[]]>]>([
    ['repeated prototype names', [['__proto__', ['a', 'b']], ['constructor', ['1', '2']]]],
    ['a repeated range', [['range', ['1W', '1W']]]],
    ['empty values', [['resolution', ''], ['range', ''], ['start_date', ''], ['end_date', '']]],
  ])('matches the class-validator pipe it replaces on %s', async (_label, entries) => {
    const query = parsedQuery(entries);
    expect(checkOhlcQuery(query)).toEqual(await referenceOutcome(query));
  });

  it('gives exactly the outcome of the class-validator pipe it replaces, for any parsed query', async () => {
    await fc.assert(
      fc.asyncProperty(pairs, async (entries) => {
        const query = parsedQuery(entries);
        expect(checkOhlcQuery(query)).toEqual(await referenceOutcome(query));
      }),
      { numRuns: 2000 },
    );
  });
});

describe(OhlcQueryPipe.name, () => {
  it('throws VALIDATION_FAILED with every error', () => {
    const pipe = new OhlcQueryPipe();
    expect(() => pipe.transform(parsedQuery([['resolution', 'W'], ['foo', '1']]))).toThrow(ValidationFailedError);
    expect(pipe.transform(parsedQuery([['range', '1W']]))).toEqual({ resolution: 'D', range: '1W' });
  });
});
