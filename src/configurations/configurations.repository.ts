import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { GetCommand, paginateQuery, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Settings } from '../config/settings';
import { AppError, DependencyUnavailableError, NotFoundError, PreconditionFailedError } from '../common/errors';
import { AwsClients } from '../infrastructure/aws-clients';
import { ResilienceService } from '../resilience/resilience.service';
import type { Configuration, ConfigurationFields, IdempotencyRecord, VersionPrecondition } from './configuration';
import { CONFIG_SK_PREFIX, configSk, fromConfigItem, fromIdempotencyItem, idempotencySk, Item, userPk } from './configuration-item';
import { createTransactItems, deleteTransactItems, existsWith } from './configuration-writes';
import { ConfigLimitReachedError } from './configurations.errors';

export type CreateResult = 'created' | 'idempotency-key-taken';

const reasonCodes = (error: TransactionCanceledException): (string | undefined)[] =>
  (error.CancellationReasons ?? []).map((reason) => reason.Code);

/**
 * Configurations, the per-user counter and idempotency records in USERS_TABLE. The counter and the
 * configuration change in one transaction, so the counter always equals the number stored.
 */
@Injectable()
export class ConfigurationsRepository {
  private readonly table: string;

  constructor(
    private readonly clients: AwsClients,
    private readonly resilience: ResilienceService,
    settings: Settings,
  ) {
    this.table = settings.tables.users;
  }

  async create(sub: string, config: Configuration, maxAllowed: number, idempotency?: { key: string; record: IdempotencyRecord }): Promise<CreateResult> {
    const transactItems = createTransactItems(this.table, sub, config, maxAllowed, idempotency);
    // The token makes a retry after a lost response a no-op instead of a failed condition on our
    // own new item (which would answer 409/503 for a configuration that was in fact created).
    const command = new TransactWriteCommand({ TransactItems: transactItems, ClientRequestToken: config.configId });
    try {
      await this.call((signal) => this.clients.documents.send(command, { abortSignal: signal }));
      return 'created';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw this.translate(error);
      const [counter, , key] = reasonCodes(error);
      // A replay wins over the limit: the original request already holds its slot.
      if (key === 'ConditionalCheckFailed') return 'idempotency-key-taken';
      if (counter === 'ConditionalCheckFailed') throw new ConfigLimitReachedError(maxAllowed);
      throw this.translate(error);
    }
  }

  async findIdempotencyRecord(sub: string, key: string): Promise<IdempotencyRecord | undefined> {
    const item = await this.getItem(userPk(sub), idempotencySk(key));
    return item === undefined ? undefined : fromIdempotencyItem(item);
  }

  async get(sub: string, configId: string): Promise<Configuration | undefined> {
    const item = await this.getItem(userPk(sub), configSk(configId));
    return item === undefined ? undefined : fromConfigItem(item);
  }

  async list(sub: string): Promise<Configuration[]> {
    const items = await this.call(async (signal) => {
      const items: Item[] = [];
      const pages = paginateQuery(
        { client: this.clients.documents },
        {
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': userPk(sub), ':prefix': CONFIG_SK_PREFIX },
          ConsistentRead: true,
        },
        { abortSignal: signal },
      );
      for await (const page of pages) items.push(...(page.Items ?? []));
      return items;
    }).catch((error: unknown) => {
      throw this.translate(error);
    });
    return items.map(fromConfigItem);
  }

  /** One conditional UpdateItem returning the new item: no read after write. */
  async update(sub: string, configId: string, changes: Partial<ConfigurationFields>, precondition: VersionPrecondition, updatedAt: string): Promise<Configuration> {
    const attributes: Record<string, unknown> = {
      name: changes.name,
      tickers: changes.tickers === undefined ? undefined : [...changes.tickers],
      timeframe_days: changes.timeframeDays,
      include_extended_hours: changes.includeExtendedHours,
      updated_at: updatedAt,
    };
    const set = Object.entries(attributes).filter(([, value]) => value !== undefined);
    const condition = existsWith(precondition);
    const command = new UpdateCommand({
      TableName: this.table,
      Key: { pk: userPk(sub), sk: configSk(configId) },
      UpdateExpression: `SET ${set.map(([name]) => `#${name} = :${name}`).join(', ')} ADD #version :one`,
      ConditionExpression: condition.expression,
      ExpressionAttributeNames: { ...Object.fromEntries(set.map(([name]) => [`#${name}`, name])), '#version': 'version' },
      ExpressionAttributeValues: { ...Object.fromEntries(set.map(([name, value]) => [`:${name}`, value])), ':one': 1, ...condition.values },
      ReturnValues: 'ALL_NEW',
    });
    try {
      const output = await this.call((signal) => this.clients.documents.send(command, { abortSignal: signal }));
      return fromConfigItem(output.Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw await this.conditionFailure(sub, configId, precondition);
      throw this.translate(error);
    }
  }

  /** Deletes the configuration and frees its slot in one transaction. */
  async delete(sub: string, configId: string, precondition: VersionPrecondition): Promise<void> {
    const transactItems = deleteTransactItems(this.table, sub, configId, precondition);
    const command = new TransactWriteCommand({ TransactItems: transactItems, ClientRequestToken: randomUUID() });
    try {
      await this.call((signal) => this.clients.documents.send(command, { abortSignal: signal }));
    } catch (error) {
      if (error instanceof TransactionCanceledException && reasonCodes(error)[0] === 'ConditionalCheckFailed') {
        throw await this.conditionFailure(sub, configId, precondition);
      }
      throw this.translate(error);
    }
  }

  /** Missing → 404; present but another version → 412 (one strongly consistent read decides). */
  private async conditionFailure(sub: string, configId: string, precondition: VersionPrecondition): Promise<AppError> {
    if (precondition.kind !== 'versions') return new NotFoundError('Configuration not found');
    const current = await this.get(sub, configId);
    return current === undefined ? new NotFoundError('Configuration not found') : new PreconditionFailedError();
  }

  private async getItem(pk: string, sk: string): Promise<Item | undefined> {
    const output = await this.call((signal) =>
      this.clients.documents.send(new GetCommand({ TableName: this.table, Key: { pk, sk }, ConsistentRead: true }), { abortSignal: signal }),
    ).catch((error: unknown) => {
      throw this.translate(error);
    });
    return output.Item;
  }

  private call<T>(operation: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.resilience.execute('dynamodb', operation);
  }

  /**
   * The resilience layer has already retried and classified what it could; what reaches here is
   * either a domain error or an SDK error the policy considers permanent (or a conflict that
   * outlived the retries) — the latter is still DynamoDB's problem, never a 500.
   */
  private translate(error: unknown): unknown {
    if (error instanceof AppError) return error;
    if (error instanceof DynamoDBServiceException) return new DependencyUnavailableError('dynamodb', 1, error);
    return error;
  }
}
