import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { Settings } from '../../config/settings';
import { AwsClients } from '../../infrastructure/aws-clients';
import { ResilienceService } from '../../resilience/resilience.service';
import { LIVE_USER_SK, liveUserPk } from '../store/ohlc-cache.items';
import { deadlineIn } from '../../resilience/deadline';
import { callOhlcTable } from '../store/ohlc-table.repository';

const CALL_BUDGET_MS = 2000;

/*
 * A user's open live streams across the cluster, one item in OHLC_CACHE_TABLE (key in
 * store/ohlc-cache.items.ts): `streams` maps each stream id to the epoch ms until which its
 * instance vouches for it (renewed by heartbeats), `rev` changes with every admission.
 */

export interface UserStreams {
  readonly rev: number;
  readonly streams: Readonly<Record<string, number>>;
}

export interface Admission {
  readonly streamId: string;
  readonly until: number;
  /** Entries whose instance stopped renewing them: removed in the same write. */
  readonly expired: readonly string[];
  readonly seenRev: number;
}

@Injectable()
export class LiveUserSlotsRepository {
  private readonly table: string;

  constructor(
    private readonly clients: AwsClients,
    private readonly resilience: ResilienceService,
    settings: Settings,
  ) {
    this.table = settings.tables.ohlcCache;
  }

  async read(userId: string): Promise<UserStreams> {
    const result = await this.call((signal) =>
      this.clients.documents.send(new GetCommand({ TableName: this.table, Key: this.key(userId), ConsistentRead: true }), { abortSignal: signal }),
    );
    return { rev: Number(result.Item?.rev ?? 0), streams: (result.Item?.streams as Record<string, number> | undefined) ?? {} };
  }

  /** Adds the stream if nobody admitted one since `seenRev` (optimistic: the caller counted at that revision). */
  async admit(userId: string, admission: Admission): Promise<boolean> {
    const names: Record<string, string> = { '#id': admission.streamId };
    admission.expired.forEach((id, i) => (names[`#x${i}`] = id));
    const removals = admission.expired.map((_, i) => `streams.#x${i}`);
    const first = admission.seenRev === 0;
    try {
      await this.call((signal) =>
        this.clients.documents.send(
          new UpdateCommand({
            TableName: this.table,
            Key: this.key(userId),
            UpdateExpression: `SET ${first ? 'streams = :map' : 'streams.#id = :until'}, rev = :next${removals.length > 0 ? ` REMOVE ${removals.join(', ')}` : ''}`,
            ConditionExpression: first ? 'attribute_not_exists(rev)' : 'rev = :seen',
            // A first admission finds no item, hence nothing expired to remove.
            ExpressionAttributeNames: first ? undefined : names,
            ExpressionAttributeValues: {
              ':next': admission.seenRev + 1,
              ...(first ? { ':map': { [admission.streamId]: admission.until } } : { ':until': admission.until, ':seen': admission.seenRev }),
            },
          }),
          { abortSignal: signal },
        ),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Heartbeat: this instance still holds these streams of the user. */
  async renew(userId: string, streamIds: readonly string[], until: number): Promise<void> {
    if (streamIds.length === 0) return;
    const names = Object.fromEntries(streamIds.map((id, i) => [`#s${i}`, id]));
    await this.call((signal) =>
      this.clients.documents.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(userId),
          UpdateExpression: `SET ${streamIds.map((_, i) => `streams.#s${i} = :until`).join(', ')}`,
          ConditionExpression: 'attribute_exists(streams)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':until': until },
        }),
        { abortSignal: signal },
      ),
    ).catch((error: unknown) => {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    });
  }

  async remove(userId: string, streamId: string): Promise<void> {
    await this.call((signal) =>
      this.clients.documents.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(userId),
          UpdateExpression: 'REMOVE streams.#id',
          ConditionExpression: 'attribute_exists(streams)',
          ExpressionAttributeNames: { '#id': streamId },
        }),
        { abortSignal: signal },
      ),
    ).catch((error: unknown) => {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    });
  }

  private key(userId: string): Record<string, string> {
    return { pk: liveUserPk(userId), sk: LIVE_USER_SK };
  }

  private async call<T>(operation: (signal: AbortSignal) => Promise<T>): Promise<T> {
    // The cache table's circuit, not `dynamodb`: a burst of failing opens must never refuse
    // configurations or quota, and slots degrade to the local count anyway.
    return callOhlcTable(this.resilience, operation, { deadline: deadlineIn(CALL_BUDGET_MS) });
  }
}
