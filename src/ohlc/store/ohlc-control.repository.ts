import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { Settings } from '../../config/settings';
import { AwsClients } from '../../infrastructure/aws-clients';
import { ExecuteOptions, ResilienceService } from '../../resilience/resilience.service';
import { CONTROL_SK, controlPk, fromControlItem, LOCK_SK, TickerControl } from './ohlc-cache.items';
import { callOhlcTable, translateOhlcTableError } from './ohlc-table.repository';

/** DynamoDB side of the per-ticker control items and the fetch locks in OHLC_CACHE_TABLE. */
@Injectable()
export class OhlcControlRepository {
  private readonly table: string;

  constructor(
    private readonly clients: AwsClients,
    private readonly resilience: ResilienceService,
    settings: Settings,
  ) {
    this.table = settings.tables.ohlcCache;
  }

  /** Conditional PutItem: free, or held by someone whose lease ran out. */
  async tryAcquireLock(pk: string, token: string, nowMs: number, leaseMs: number): Promise<boolean> {
    try {
      await callOhlcTable(this.resilience, (signal) =>
        this.clients.documents.send(
          new PutCommand({
            TableName: this.table,
            Item: { pk, sk: LOCK_SK, holder: token, lease_until: nowMs + leaseMs, expires_at: Math.ceil((nowMs + leaseMs) / 1000) + 60 },
            ConditionExpression: 'attribute_not_exists(pk) OR lease_until < :now',
            ExpressionAttributeValues: { ':now': nowMs },
          }),
          { abortSignal: signal },
        ),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw translateOhlcTableError(error);
    }
  }

  /** Deletes the lock only if this acquisition still holds it (after an expiry someone else may). */
  async releaseLock(pk: string, token: string, options?: ExecuteOptions): Promise<void> {
    try {
      await callOhlcTable(
        this.resilience,
        (signal) =>
          this.clients.documents.send(
            new DeleteCommand({
              TableName: this.table,
              Key: { pk, sk: LOCK_SK },
              ConditionExpression: 'holder = :holder',
              ExpressionAttributeValues: { ':holder': token },
            }),
            { abortSignal: signal },
          ),
        options,
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw translateOhlcTableError(error);
    }
  }

  /** The ticker's control item (epoch 0 and not unknown when it was never written). */
  async readControl(ticker: string, options?: ExecuteOptions): Promise<TickerControl> {
    const result = await callOhlcTable(
      this.resilience,
      (signal) =>
        this.clients.documents.send(
          new GetCommand({ TableName: this.table, Key: { pk: controlPk(ticker), sk: CONTROL_SK }, ConsistentRead: true }),
          { abortSignal: signal },
        ),
      options,
    );
    return fromControlItem(result.Item);
  }

  /** One UpdateItem, so an invalidation takes effect at once whatever the ticker's size; it also forgets "unknown". */
  async bumpEpoch(ticker: string): Promise<number> {
    const result = await callOhlcTable(this.resilience, (signal) =>
      this.clients.documents.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: controlPk(ticker), sk: CONTROL_SK },
          UpdateExpression: 'ADD epoch :one REMOVE unknown_until',
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
        { abortSignal: signal },
      ),
    );
    return Number(result.Attributes?.epoch ?? 0);
  }

  async markUnknown(ticker: string, untilMs: number, options?: ExecuteOptions): Promise<void> {
    await callOhlcTable(
      this.resilience,
      (signal) =>
        this.clients.documents.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: controlPk(ticker), sk: CONTROL_SK },
            UpdateExpression: 'SET unknown_until = :until',
            ExpressionAttributeValues: { ':until': untilMs },
          }),
          { abortSignal: signal },
        ),
      options,
    );
  }
}
