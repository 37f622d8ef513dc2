import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException, DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error';
import { DependencyUnavailableError } from '../common/errors/dependency.errors';
import { Settings } from '../config/settings';
import { AwsClients } from '../infrastructure/aws-clients';
import { ResilienceService } from '../resilience/resilience.service';
import { minuteAttribute, type QuotaDay, type QuotaWindowSlot } from './quota-windows';

export type ReserveOutcome =
  /** `used`: each slot's count after this reservation. */
  | { readonly granted: true; readonly used: readonly number[] }
  /** `exhausted`: indexes (into the slots passed in) of the windows without room; `used`: counts as they stand. */
  | { readonly granted: false; readonly exhausted: readonly number[]; readonly used: readonly number[] };

const partitionKey = (service: string): string => `QUOTA#${service}`;

/**
 * Attempt markers live in three rotating string sets, one per minute of the day modulo 3. Each
 * write adds its marker to the current set and clears the set of two minutes ago, so a marker
 * survives at least a minute (far longer than any retry within a deadline) and the sets stay small.
 */
const ATTEMPT_SETS = ['a0', 'a1', 'a2'] as const;
const attemptSet = (minuteOfDay: number): string => ATTEMPT_SETS[minuteOfDay % 3];

/** 64 random bits: markers only need to be unique among the few written within a minute or two. */
const newAttemptId = (): string => randomBytes(8).toString('base64url');

/**
 * Quota counters: one item per service and UTC day (`pk=QUOTA#{service}`, `sk=USAGE#{date}`) with
 * an attribute per window — `day`, `h14` for 14:00–15:00, `m1430` for 14:30–14:31.
 */
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
   * Adds `n` to every window of `slots` in one conditional UpdateItem, or to none of them. `ADD`
   * increments server-side and the condition admits it only while every window keeps `n` units of
   * room, so writers on any number of instances can never overshoot and no count is lost.
   *
   * UpdateItem has no client request token, so the write carries a random marker: a retry after an
   * ambiguous failure (the first attempt applied, its answer lost) fails the marker's condition,
   * and the old item returned with that failure shows the marker, i.e. the reservation is granted
   * once, not twice.
   */
  async reserve(service: string, day: QuotaDay, slots: readonly QuotaWindowSlot[], n: number): Promise<ReserveOutcome> {
    const attemptId = newAttemptId();
    const names: Record<string, string> = { '#expires': 'expires_at', '#seen': attemptSet(day.minuteOfDay) };
    const values: Record<string, unknown> = { ':n': n, ':expires': day.expiresAt, ':id': attemptId, ':ids': new Set([attemptId]) };
    const conditions = ['NOT contains(#seen, :id)'];
    const additions = ['#seen :ids'];
    slots.forEach((slot, i) => {
      names[`#w${i}`] = slot.attribute;
      values[`:max${i}`] = slot.limit - n;
      conditions.push(`(attribute_not_exists(#w${i}) OR #w${i} <= :max${i})`);
      additions.push(`#w${i} :n`);
    });
    const removals = [attemptSet(day.minuteOfDay + 1)];
    // The minute counter of two minutes ago can no longer change a decision: drop it to keep the item small.
    if (slots.some((slot) => slot.window === 'minute') && day.minuteOfDay >= 2) removals.push(minuteAttribute(day.minuteOfDay - 2));
    removals.forEach((attribute, i) => (names[`#old${i}`] = attribute));

    const command = new UpdateCommand({
      TableName: this.table,
      Key: { pk: partitionKey(service), sk: day.sk },
      UpdateExpression: `ADD ${additions.join(', ')} SET #expires = if_not_exists(#expires, :expires) REMOVE ${removals.map((_, i) => `#old${i}`).join(', ')}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValues: 'UPDATED_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    try {
      const result = await this.resilience.execute('dynamodb', (signal) => this.aws.documents.send(command, { abortSignal: signal }));
      return { granted: true, used: countsOf(result.Attributes ?? {}, slots) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw toDomainError(error);
      const old = error.Item ? unmarshall(error.Item) : {};
      const used = countsOf(old, slots);
      const seen = old[attemptSet(day.minuteOfDay)];
      // Our own earlier attempt was applied: that is this reservation, already counted.
      if (seen instanceof Set && seen.has(attemptId)) return { granted: true, used };
      const exhausted = slots.flatMap((slot, i) => (used[i] + n > slot.limit ? [i] : []));
      return { granted: false, exhausted, used };
    }
  }

  /** Current count of each slot (0 for a window nobody has used yet), read strongly consistently. */
  async read(service: string, day: QuotaDay, slots: readonly QuotaWindowSlot[]): Promise<number[]> {
    const names = Object.fromEntries(slots.map((slot, i) => [`#w${i}`, slot.attribute]));
    const command = new GetCommand({
      TableName: this.table,
      Key: { pk: partitionKey(service), sk: day.sk },
      ConsistentRead: true,
      ProjectionExpression: Object.keys(names).join(', '),
      ExpressionAttributeNames: names,
    });
    const result = await this.resilience
      .execute('dynamodb', (signal) => this.aws.documents.send(command, { abortSignal: signal }))
      .catch((error: unknown) => {
        throw toDomainError(error);
      });
    return countsOf(result.Item ?? {}, slots);
  }
}

function countsOf(item: Record<string, unknown>, slots: readonly QuotaWindowSlot[]): number[] {
  return slots.map((slot) => Number(item[slot.attribute] ?? 0));
}

/**
 * What the resilience layer passes through unchanged is permanent (a missing table, missing
 * permissions): still DynamoDB's fault, so 503 for the client, never a 500 with SDK text behind it.
 */
function toDomainError(error: unknown): unknown {
  if (error instanceof AppError || !(error instanceof DynamoDBServiceException)) return error;
  return new DependencyUnavailableError('dynamodb', 5, error);
}
