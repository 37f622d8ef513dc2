import { ValidationFailedError } from '../common/errors';

/** A stored configuration: only symbols are kept; names and exchanges come from the ticker list. */
export interface Configuration {
  readonly configId: string;
  readonly name: string;
  readonly tickers: readonly string[];
  readonly timeframeDays: number;
  readonly includeExtendedHours: boolean;
  /** Starts at 1, +1 per update; the ETag is derived from it. */
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type ConfigurationFields = Pick<Configuration, 'name' | 'tickers' | 'timeframeDays' | 'includeExtendedHours'>;

/** `any` for `If-Match: *`; otherwise the versions named by the listed strong ETags. */
export type VersionPrecondition = { readonly kind: 'none' } | { readonly kind: 'any' } | { readonly kind: 'versions'; readonly versions: readonly number[] };

export interface IdempotencyRecord {
  readonly bodyHash: string;
  readonly configId: string;
  readonly expiresAt: number;
}

export const etagOf = (version: number): string => `"${version}"`;

/**
 * Each listed version becomes one operand of a DynamoDB condition (which allows 100 at most): a
 * client that knows more than a few versions of one configuration is not a real client.
 */
export const MAX_IF_MATCH_TAGS = 10;

/**
 * Strong comparison (RFC 9110 §13.1.1): weak tags and anything that is not one of our numeric
 * tags can never match, so such an If-Match always fails on an existing configuration. More than
 * MAX_IF_MATCH_TAGS tags → 400, before anything reaches DynamoDB.
 */
export function parseIfMatch(header: string | undefined): VersionPrecondition {
  if (header === undefined) return { kind: 'none' };
  const tags = header.split(',').map((tag) => tag.trim());
  if (tags.length > MAX_IF_MATCH_TAGS) {
    throw new ValidationFailedError([{ field: 'If-Match', message: `If-Match may list at most ${MAX_IF_MATCH_TAGS} entity tags` }]);
  }
  if (tags.includes('*')) return { kind: 'any' };
  const versions = tags.flatMap((tag) => {
    const match = /^"(\d{1,15})"$/.exec(tag);
    return match ? [Number(match[1])] : [];
  });
  return { kind: 'versions', versions: [...new Set(versions)] };
}
