import { randomUUID } from 'node:crypto';
import { DynamoDBServiceException, TransactionCanceledException, TransactionInProgressException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchGetCommandOutput, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error';
import { DependencyThrottledError, DependencyUnavailableError } from '../common/errors/dependency.errors';
import { Settings } from '../config/settings';
import { AwsClients } from '../infrastructure/aws-clients';
import { ExecuteOptions, ResilienceService } from '../resilience/resilience.service';
import { UNPROCESSED_ITEMS_RESENDS, waitBeforeResend } from '../resilience/unprocessed-items';
import type { QuotaWindowSlot } from './quota-windows';

export type ReserveOutcome =
  | { readonly granted: true }
  /** Indexes (into the slots passed in) of the windows whose condition failed. */
  | { readonly granted: false; readonly exhausted: readonly number[] };

const partitionKey = (service: string): string => `QUOTA#${service}`;

// `ADD` increments server-side and creates the item on first use; the condition admits the
// increment only while the window keeps at least `n` units of room, so concurrent writers on any
// number of instances can never overshoot and no count is ever lost.
const INCREMENT = {
  UpdateExpression: 'ADD #used :n SET #expires = if_not_exists(#expires, :expires)',
  ConditionExpression: 'attribute_not_exists(#used) OR #used <= :max',
  ExpressionAttributeNames: { '#used': 'used', '#expires': 'expires_at' },
} as const;

/** Window counters in the quota table: `pk=QUOTA#{service}`, `sk={WINDOW}#{start}`, attribute `used`. */
@Injectable()
export class QuotaRepository {
  private readonly table: string;

  constructor(
    private readonly aws: AwsClients,
    private readonly resilience: ResilienceService,
    settings: Settings,
  ) {
    this.table = settings.tables.quota;
  }

  /**
   * Adds `n` to every slot in one atomic write, or to none of them. The client request token makes
   * the write idempotent, so a retry after an ambiguous failure (a timeout after DynamoDB applied
   * it) is not counted twice; UpdateItem has no such token, hence a transaction even for one window.
   */
  async reserve(service: string, slots: readonly QuotaWindowSlot[], n: number): Promise<ReserveOutcome> {
    const command = new TransactWriteCommand({
      ClientRequestToken: randomUUID(),
      TransactItems: slots.map((slot) => ({
        Update: {
          TableName: this.table,
          Key: { pk: partitionKey(service), sk: slot.sk },
          ...INCREMENT,
          ExpressionAttributeValues: { ':n': n, ':max': slot.limit - n, ':expires': slot.expiresAt },
        },
      })),
    });
    try {
      await this.resilience.execute('dynamodb', (signal) => this.aws.documents.send(command, { abortSignal: signal }));
      return { granted: true };
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        const exhausted = reasons.flatMap((reason, index) => (reason.Code === 'ConditionalCheckFailed' ? [index] : []));
        if (exhausted.length > 0) return { granted: false, exhausted };
      }
      // Contention the retries could not resolve (resilience reports it as unavailable), or a retry
      // that overtook its own first attempt: DynamoDB is up but too busy with these items, so this
      // is no reason to switch to the fallback budget, and nothing may be assumed granted.
      const lostRace = error instanceof DependencyUnavailableError ? error.cause : error;
      if (lostRace instanceof TransactionCanceledException || lostRace instanceof TransactionInProgressException) {
        throw new DependencyThrottledError('dynamodb', 1, lostRace);
      }
      throw toDomainError(error);
    }
  }

  /** Current count of each slot (0 for a window nobody has used yet), read strongly consistently. */
  async read(service: string, slots: readonly QuotaWindowSlot[], options?: ExecuteOptions): Promise<number[]> {
    const pk = partitionKey(service);
    const counts = new Map<string, number>();
    const readAll = this.resilience.execute('dynamodb', async (signal) => {
      let keys: Record<string, unknown>[] | undefined = slots.map((slot) => ({ pk, sk: slot.sk }));
      // BatchGet may hand back unprocessed keys under load; ask again for exactly those, after a pause.
      for (let resend = 0; keys !== undefined && keys.length > 0; resend++) {
        if (resend > UNPROCESSED_ITEMS_RESENDS) throw new DependencyThrottledError('dynamodb', 1);
        if (resend > 0) await waitBeforeResend(resend - 1, signal);
        const result: BatchGetCommandOutput = await this.aws.documents.send(
          new BatchGetCommand({
            RequestItems: {
              [this.table]: {
                Keys: keys,
                ConsistentRead: true,
                ProjectionExpression: 'sk, #used',
                ExpressionAttributeNames: { '#used': 'used' },
              },
            },
          }),
          { abortSignal: signal },
        );
        for (const item of result.Responses?.[this.table] ?? []) counts.set(String(item.sk), Number(item.used ?? 0));
        keys = result.UnprocessedKeys?.[this.table]?.Keys;
      }
    }, options);
    await readAll.catch((error: unknown) => {
      throw toDomainError(error);
    });
    return slots.map((slot) => counts.get(slot.sk) ?? 0);
  }
}

/**
 * What the resilience layer passes through unchanged is permanent (a missing table, missing
 * permissions): still DynamoDB's fault, so 503 for the client, never a 500 with SDK text behind it.
 */
function toDomainError(error: unknown): unknown {
  if (error instanceof AppError || !(error instanceof DynamoDBServiceException)) return error;
  return new DependencyUnavailableError('dynamodb', 5, error);
}
