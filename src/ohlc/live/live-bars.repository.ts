import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { Settings } from '../../config/settings';
import { AwsClients } from '../../infrastructure/aws-clients';
import { ResilienceService } from '../../resilience/resilience.service';
import type { Candle, MarketDataSource } from '../candle.model';
import { livePk } from '../store/ohlc-cache.items';
import { deadlineIn } from '../../resilience/deadline';
import { callOhlcTable } from '../store/ohlc-table.repository';
import { encodeBars, fromLiveItem, LiveKey, liveExpiresAtSec, LiveRecord } from './live-bars.items';

/** Each live call gets a budget of its own: feeds run outside any request. */
const CALL_BUDGET_MS = 3000;

export interface PollClaim {
  readonly token: string;
  readonly nowMs: number;
  readonly leaseUntil: number;
  readonly nextPollAt: number;
}

export interface BarsWrite {
  readonly token: string;
  readonly bars: readonly Candle[];
  readonly polledAt: number;
  readonly source: MarketDataSource;
  /** The ticker's invalidation epoch when the poll was asked. */
  readonly epoch: number;
}

export interface Slowdown {
  readonly token: string;
  readonly slowdown: number;
  readonly slowUntil: number;
  readonly nextPollAt: number;
}

/** The live item of OHLC_CACHE_TABLE (layout in live-bars.items.ts): lease, poll schedule and bars. */
@Injectable()
export class LiveBarsRepository {
  private readonly table: string;

  constructor(
    private readonly clients: AwsClients,
    private readonly resilience: ResilienceService,
    settings: Settings,
  ) {
    this.table = settings.tables.ohlcCache;
  }

  /** Strongly consistent: a reader must see a write the moment it is made, wherever it was made. */
  async read(key: LiveKey, budgetMs = CALL_BUDGET_MS): Promise<LiveRecord | undefined> {
    const result = await this.call(
      (signal) =>
        this.clients.documents.send(new GetCommand({ TableName: this.table, Key: this.keyOf(key), ConsistentRead: true }), { abortSignal: signal }),
      budgetMs,
    );
    return fromLiveItem(result.Item);
  }

  /**
   * Takes (or renews) the lease and books the next poll in one conditional write: granted only to
   * the holder or after its lease ran out, and only once `next_poll_at` has come. So however many
   * instances race, the provider is polled at most once per booked interval.
   */
  async claimPoll(key: LiveKey, claim: PollClaim): Promise<boolean> {
    return this.conditional(key, {
      UpdateExpression: 'SET holder = :token, lease_until = :lease, next_poll_at = :next, expires_at = :expires',
      ConditionExpression:
        '(attribute_not_exists(holder) OR holder = :token OR lease_until < :now) AND (attribute_not_exists(next_poll_at) OR next_poll_at <= :now)',
      ExpressionAttributeValues: {
        ':token': claim.token,
        ':lease': claim.leaseUntil,
        ':next': claim.nextPollAt,
        ':now': claim.nowMs,
        ':expires': liveExpiresAtSec(key.date),
      },
    });
  }

  /** Stores a poll's bars; refused when the lease has meanwhile passed to someone else. */
  async writeBars(key: LiveKey, write: BarsWrite): Promise<boolean> {
    return this.conditional(key, {
      UpdateExpression: 'SET bars = :bars, polled_at = :polled, written_at = :written, #source = :source, epoch = :epoch ADD version :one',
      ConditionExpression: 'holder = :token',
      ExpressionAttributeNames: { '#source': 'source' },
      ExpressionAttributeValues: {
        ':token': write.token,
        ':bars': encodeBars(write.bars),
        ':polled': write.polledAt,
        ':written': Date.now(),
        ':source': write.source,
        ':epoch': write.epoch,
        ':one': 1,
      },
    });
  }

  /** Records a quota slowdown (or its end, slowdown 1) so whoever polls next keeps to it. */
  async setSlowdown(key: LiveKey, change: Slowdown): Promise<boolean> {
    return this.conditional(key, {
      UpdateExpression: 'SET slowdown = :slowdown, slow_until = :until, next_poll_at = :next',
      ConditionExpression: 'holder = :token',
      ExpressionAttributeValues: { ':token': change.token, ':slowdown': change.slowdown, ':until': change.slowUntil, ':next': change.nextPollAt },
    });
  }

  /** Ends our lease at once (last subscriber gone, shutdown): another instance may poll at the next interval. */
  async release(key: LiveKey, token: string): Promise<void> {
    await this.conditional(key, {
      UpdateExpression: 'SET lease_until = :zero',
      ConditionExpression: 'holder = :token',
      ExpressionAttributeValues: { ':token': token, ':zero': 0 },
    });
  }

  private keyOf(key: LiveKey): Record<string, string> {
    return { pk: livePk(key.ticker, key.resolution), sk: key.date };
  }

  private async conditional(
    key: LiveKey,
    update: Pick<ConstructorParameters<typeof UpdateCommand>[0], 'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>,
  ): Promise<boolean> {
    try {
      await this.call((signal) =>
        this.clients.documents.send(new UpdateCommand({ TableName: this.table, Key: this.keyOf(key), ...update }), { abortSignal: signal }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async call<T>(operation: (signal: AbortSignal) => Promise<T>, budgetMs = CALL_BUDGET_MS): Promise<T> {
    // The cache table's circuit: live calls failing must never refuse configurations or quota.
    return callOhlcTable(this.resilience, operation, { deadline: deadlineIn(budgetMs) });
  }
}
