import type {
  CreateTableCommandInput,
  UpdateTimeToLiveCommandInput,
} from '@aws-sdk/client-dynamodb';

/** Attribute (epoch seconds) DynamoDB uses to expire items in every table of this service. */
export const TTL_ATTRIBUTE_NAME = 'expires_at';

export const PARTITION_KEY_NAME = 'pk';
export const SORT_KEY_NAME = 'sk';

/**
 * All three tables (users, OHLC cache, quota) share one key schema so items of different
 * kinds can live side by side and QUOTA_TABLE may point at another table.
 */
export function buildCreateTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: PARTITION_KEY_NAME, AttributeType: 'S' },
      { AttributeName: SORT_KEY_NAME, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: PARTITION_KEY_NAME, KeyType: 'HASH' },
      { AttributeName: SORT_KEY_NAME, KeyType: 'RANGE' },
    ],
  };
}

export function buildEnableTtlInput(tableName: string): UpdateTimeToLiveCommandInput {
  return {
    TableName: tableName,
    TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE_NAME, Enabled: true },
  };
}
