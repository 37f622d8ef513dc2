import { randomBytes } from 'node:crypto';
import { type AttributeValue, ConditionalCheckFailedException, DynamoDBServiceException, UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error';
import { DependencyUnavailableError } from '../common/errors/dependency.errors';
import { Settings } from '../config/settings';
import { AwsClients } from '../infrastructure/aws-clients';
import { backgroundDeadlineIn, type Deadline } from '../resilience/deadline';
import { ResilienceService } from '../resilience/resilience.service';
import { minuteAttribute, type QuotaDay, type QuotaWindowSlot } from './quota-windows';

export type ReserveOutcome =
  /** `used`: each slot's count after this reservation; absent unless asked for (`withCounts`). */
  | { readonly granted: true; readonly used?: readonly number[] }
  /** `exhausted`: indexes (into the slots passed in) of the windows without room; `used`: counts as they stand. */
  | { readonly granted: false; readonly exhausted: readonly number[]; readonly used: readonly number[] };

const partitionKey = (service: string): string => `QUOTA#${service}`;

interface WriteKind {
  /** A reservation, refused when a window has no room; a give-back (false) never is. */
  readonly limited: boolean;
  /** Whether the granted write returns each window's new count. */
  readonly withCounts: boolean;
}

/** How long a give-back may take, retries included (it is off the request's path). */
const RELEASE_BUDGET_MS = 2000;

/**
 * Quota counters: one item per service and UTC day (`pk=QUOTA#{service}`, `sk=USAGE#{date}`) with
 * an attribute per window — `day`, `h14` for 14:00–15:00, `m1430` for 14:30–14:31.
 */
@Injectable()
export class QuotaRepository {
  private readonly table: string;
  /**
   * Names this instance's marker attributes on the day items (`r{tag}{slot}`): 48 random bits, so
   * instances, restarts and apps sharing a process never write the same one.
   */
  private readonly tag = randomBytes(6).toString('base64url');
  /**
   * Marker slots of this instance: a write holds one until it has settled, retries included, so
   * no other write of this process overwrites its marker meanwhile. As many as ever ran at once.
   */
  private readonly freeSlots: number[] = [];
  private slotCount = 0;
  /**
   * Numbers this instance's writes: a marker only has to differ from every marker its slot held
   * before, and the slot's name is this instance's alone (random bytes cost more than the rest of
   * building the write).
   */
  private writeCount = 0;

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
   * UpdateItem has no client request token, so the write also sets a marker (the write's number in
   * this instance) in an attribute of its own (one of this instance's marker slots), and a retry
   * requires the slot not to hold it yet: a retry after an ambiguous failure (the first attempt
   * applied, its answer lost) fails that condition, and the old item returned with the failure
   * shows the marker, i.e. the reservation is granted once, not twice. A slot holds one marker,
   * not a growing list, so the item, the write and the returned attributes stay as small as the
   * counters themselves.
   */
  reserve(service: string, day: QuotaDay, slots: readonly QuotaWindowSlot[], n: number, withCounts: boolean): Promise<ReserveOutcome> {
    return this.write(service, day, slots, n, { limited: true, withCounts });
  }

  /**
   * Gives back `n` units of a reservation that was not used (the call it was made for did not
   * happen), in exactly the window instances it was counted in; idempotent like `reserve`, so a
   * retried refund never gives back twice. Never denied.
   */
  async release(service: string, day: QuotaDay, slots: readonly QuotaWindowSlot[], n: number): Promise<void> {
    // Its own budget: a give-back runs after the answer, often when the request's deadline is spent.
    await this.write(service, day, slots, -n, { limited: false, withCounts: false }, backgroundDeadlineIn(RELEASE_BUDGET_MS));
  }

  private async write(
    service: string,
    day: QuotaDay,
    slots: readonly QuotaWindowSlot[],
    n: number,
    how: WriteKind,
    deadline?: Deadline,
  ): Promise<ReserveOutcome> {
    const markerSlot = this.freeSlots.pop() ?? this.slotCount++;
    try {
      return await this.send(service, day, slots, n, how, `r${this.tag}${markerSlot}`, deadline);
    } finally {
      this.freeSlots.push(markerSlot);
    }
  }

  private async send(
    service: string,
    day: QuotaDay,
    slots: readonly QuotaWindowSlot[],
    n: number,
    { limited, withCounts }: WriteKind,
    marker: string,
    deadline: Deadline | undefined,
  ): Promise<ReserveOutcome> {
    const attemptId = (this.writeCount++).toString(36);
    const names: Record<string, string> = { '#expires': 'expires_at', '#marker': marker };
    // Plain AttributeValues and the low-level client: a reservation is on the hot path of every
    // provider call, and the document client's marshalling is a measurable share of it.
    const values: Record<string, AttributeValue> = { ':n': num(n), ':expires': num(day.expiresAt), ':id': { S: attemptId } };
    const limits: string[] = [];
    const additions: string[] = [];
    slots.forEach((slot, i) => {
      names[`#w${i}`] = slot.attribute;
      additions.push(`#w${i} :n`);
      if (!limited) return;
      values[`:max${i}`] = num(slot.limit - n);
      limits.push(`(attribute_not_exists(#w${i}) OR #w${i} <= :max${i})`);
    });
    // The minute counter of two minutes ago can no longer change a decision: drop it to keep the item small.
    const removal = slots.some((slot) => slot.window === 'minute') && day.minuteOfDay >= 2 ? minuteAttribute(day.minuteOfDay - 2) : undefined;
    if (removal) names['#old'] = removal;

    // `expires_at` is the same for every write of the day, so a plain SET keeps it.
    const first: UpdateItemCommandInput = {
      TableName: this.table,
      Key: { pk: { S: partitionKey(service) }, sk: { S: day.sk } },
      UpdateExpression: `ADD ${additions.join(', ')} SET #marker = :id, #expires = :expires${removal ? ' REMOVE #old' : ''}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      // Only counts that feed the gauges are asked for: user allowances and give-backs have none.
      ReturnValues: withCounts ? 'UPDATED_NEW' : 'NONE',
      ...conditioned(limits),
    };
    // Only a retry can meet its own marker (a fresh id is in no slot yet), so only a retry asks
    // DynamoDB to compare it: one condition fewer to evaluate on nearly every write.
    const retry: UpdateItemCommandInput = { ...first, ...conditioned(['(attribute_not_exists(#marker) OR #marker <> :id)', ...limits]) };
    let attempts = 0;
    try {
      const result = await this.resilience.execute(
        'dynamodb',
        (signal) => this.aws.dynamodb.send(new UpdateItemCommand(attempts++ === 0 ? first : retry), { abortSignal: signal }),
        { deadline },
      );
      return { granted: true, used: withCounts ? rawCountsOf(result.Attributes ?? {}, slots) : undefined };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw toDomainError(error);
      const old = error.Item ?? {};
      const used = rawCountsOf(old, slots);
      // Our own earlier attempt was applied: that is this reservation, already counted.
      if (old[marker]?.S === attemptId) return { granted: true, used };
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

function rawCountsOf(item: Record<string, AttributeValue>, slots: readonly QuotaWindowSlot[]): number[] {
  return slots.map((slot) => Number(item[slot.attribute]?.N ?? 0));
}

const num = (value: number): AttributeValue => ({ N: String(value) });

/** All of `conditions`, with the item as it stood returned when one fails; nothing when there are none. */
function conditioned(conditions: readonly string[]): Pick<UpdateItemCommandInput, 'ConditionExpression' | 'ReturnValuesOnConditionCheckFailure'> {
  return conditions.length === 0 ? {} : { ConditionExpression: conditions.join(' AND '), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' };
}

/**
 * What the resilience layer passes through unchanged is permanent (a missing table, missing
 * permissions): still DynamoDB's fault, so 503 for the client, never a 500 with SDK text behind it.
 */
function toDomainError(error: unknown): unknown {
  if (error instanceof AppError || !(error instanceof DynamoDBServiceException)) return error;
  return new DependencyUnavailableError('dynamodb', 5, error);
}
