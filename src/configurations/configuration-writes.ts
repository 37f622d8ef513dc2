import type { Configuration, IdempotencyRecord, VersionPrecondition } from './configuration';
import { configSk, COUNTER_SK, toConfigItem, toIdempotencyItem, userPk } from './configuration-item';

// The conditional writes behind the per-user maximum, as plain request objects (no SDK here).

export interface Condition {
  readonly expression: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
}

/** `attribute_exists(pk)` plus the If-Match versions, if any. */
export function existsWith(precondition: VersionPrecondition): Condition {
  if (precondition.kind !== 'versions') return { expression: 'attribute_exists(pk)', names: {}, values: {} };
  // An If-Match naming none of our tags can never match: -1 is never a version.
  const versions = precondition.versions.length > 0 ? precondition.versions : [-1];
  const names = versions.map((_, i) => `:v${i}`);
  return {
    expression: `attribute_exists(pk) AND #version IN (${names.join(', ')})`,
    names: { '#version': 'version' },
    values: Object.fromEntries(versions.map((v, i) => [names[i], v])),
  };
}

/** Counter first, configuration second, idempotency record third: CancellationReasons follow this order. */
export function createTransactItems(
  table: string,
  sub: string,
  config: Configuration,
  maxAllowed: number,
  idempotency: { key: string; record: IdempotencyRecord } | undefined,
) {
  const pk = userPk(sub);
  return [
    {
      Update: {
        TableName: table,
        Key: { pk, sk: COUNTER_SK },
        UpdateExpression: 'ADD config_count :one',
        ConditionExpression: 'attribute_not_exists(config_count) OR config_count < :max',
        ExpressionAttributeValues: { ':one': 1, ':max': maxAllowed },
      },
    },
    { Put: { TableName: table, Item: toConfigItem(sub, config), ConditionExpression: 'attribute_not_exists(pk)' } },
    ...(idempotency === undefined
      ? []
      : [
          {
            Put: {
              TableName: table,
              Item: toIdempotencyItem(sub, idempotency.key, idempotency.record, config.createdAt),
              // TTL deletion lags by up to days: an expired record counts as absent.
              ConditionExpression: 'attribute_not_exists(pk) OR expires_at < :now',
              ExpressionAttributeValues: { ':now': Math.floor(Date.now() / 1000) },
            },
          },
        ]),
  ];
}

/** The configuration (must exist, and match If-Match) and the counter decrement, together. */
export function deleteTransactItems(table: string, sub: string, configId: string, precondition: VersionPrecondition) {
  const pk = userPk(sub);
  const condition = existsWith(precondition);
  return [
    {
      Delete: {
        TableName: table,
        Key: { pk, sk: configSk(configId) },
        ConditionExpression: condition.expression,
        ...(Object.keys(condition.values).length > 0
          ? { ExpressionAttributeNames: condition.names, ExpressionAttributeValues: condition.values }
          : {}),
      },
    },
    {
      Update: {
        TableName: table,
        Key: { pk, sk: COUNTER_SK },
        UpdateExpression: 'ADD config_count :minus',
        ExpressionAttributeValues: { ':minus': -1 },
      },
    },
  ];
}
