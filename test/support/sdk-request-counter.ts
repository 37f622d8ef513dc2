import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Counts the HTTP requests a client really sends: finalizeRequest runs once per attempt, so
 * retries by our resilience layer show up one by one (the SDK itself makes one attempt per call).
 */
export function countSdkRequests(client: DynamoDBClient): { readonly count: number } {
  const counter = { count: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      counter.count += 1;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'countHttpAttempts' },
  );
  return counter;
}
