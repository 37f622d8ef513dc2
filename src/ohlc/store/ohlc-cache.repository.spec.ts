import { testSettings } from '../../../test/support/test-settings';
import { DependencyThrottledError } from '../../common/errors';
import type { AwsClients } from '../../infrastructure/aws-clients';
import type { ResilienceService } from '../../resilience/resilience.service';
import { OhlcCacheRepository, UNPROCESSED_RETRIES } from './ohlc-cache.repository';

// The fake below answers for the table named here.
const settings = testSettings({ OHLC_CACHE_TABLE: 'ohlc' });

type Request = { PutRequest: { Item: Record<string, unknown> } };

/** A DynamoDB stand-in for BatchWriteItem that leaves `unprocessed(n)` requests of call n unprocessed. */
function fakeDynamodb(unprocessed: (call: number, requests: Request[]) => Request[]) {
  const batches: Request[][] = [];
  const send = jest.fn((command: { input: { RequestItems?: Record<string, unknown[]> } }) => {
    const requests = command.input.RequestItems!.ohlc as Request[];
    batches.push(requests);
    const left = unprocessed(batches.length, requests);
    return Promise.resolve({ UnprocessedItems: left.length > 0 ? { ohlc: left } : {} });
  });
  const clients = { documents: { send } } as unknown as AwsClients;
  const resilience = { execute: (_: string, op: (s: AbortSignal) => Promise<unknown>) => op(new AbortController().signal) } as unknown as ResilienceService;
  return { repository: new OhlcCacheRepository(clients, resilience, settings), batches };
}

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ pk: 'AAPL#D', sk: `2026-01-${String(i).padStart(2, '0')}` }));

describe(OhlcCacheRepository.name, () => {
  it('writes in BatchWriteItem chunks of at most 25', async () => {
    const { repository, batches } = fakeDynamodb(() => []);

    await repository.putAll(items(60), jest.fn());

    expect(batches.map((b) => b.length).sort((a, b) => b - a)).toEqual([25, 25, 10]);
  });

  it('retries UnprocessedItems until stored and counts them', async () => {
    const { repository, batches } = fakeDynamodb((call, requests) => (call === 1 ? requests.slice(0, 3) : []));
    const onUnprocessed = jest.fn();

    await repository.putAll(items(10), onUnprocessed);

    expect(batches.map((b) => b.length)).toEqual([10, 3]);
    expect(onUnprocessed).toHaveBeenCalledWith(3);
  });

  it(`gives up after ${UNPROCESSED_RETRIES} retries so no coverage is written for a partial store`, async () => {
    const { repository, batches } = fakeDynamodb((_, requests) => requests.slice(0, 1));
    const onUnprocessed = jest.fn();

    await expect(repository.putAll(items(5), onUnprocessed)).rejects.toBeInstanceOf(DependencyThrottledError);
    expect(batches).toHaveLength(1 + UNPROCESSED_RETRIES);
    expect(onUnprocessed).toHaveBeenCalledTimes(1 + UNPROCESSED_RETRIES);
  });
});
