import type { JWTPayload } from 'jose';
import type { AuthSettings } from '../../config/settings';
import { UnauthenticatedError } from '../errors/common.errors';
import type { AuthenticatedUser } from './auth.decorators';

/** The user id becomes part of DynamoDB keys and log lines: bounded here, before it reaches either. */
export const MAX_SUBJECT_LENGTH = 128;

/**
 * What a verified token says about its user, under the rules of API.md: `aud` must name us (or,
 * without `aud`, `client_id` must — Cognito access tokens carry no `aud`), `sub` is required and
 * bounded, roles come from the configured claim. Signature, `iss`, `exp` and `nbf` are jose's job.
 */
export function userFromClaims(payload: JWTPayload, settings: Pick<AuthSettings, 'audience' | 'rolesClaim'>): AuthenticatedUser {
  if (!isForUs(payload, settings.audience)) {
    throw new UnauthenticatedError(payload.aud === undefined ? 'The token\'s "client_id" claim is not accepted' : 'The token\'s "aud" claim is not accepted');
  }
  const sub = payload.sub;
  if (typeof sub !== 'string' || sub.length === 0) throw new UnauthenticatedError('The token has no subject');
  if (!sub.isWellFormed() || [...sub].length > MAX_SUBJECT_LENGTH) {
    throw new UnauthenticatedError(`The token's "sub" claim must be at most ${MAX_SUBJECT_LENGTH} characters`);
  }
  const claim = payload[settings.rolesClaim];
  const roles = Array.isArray(claim) ? claim.filter((role): role is string => typeof role === 'string') : [];
  return { sub, roles };
}

function isForUs(payload: JWTPayload, audience: string): boolean {
  const { aud } = payload;
  if (aud === undefined) return payload.client_id === audience;
  return typeof aud === 'string' ? aud === audience : Array.isArray(aud) && aud.includes(audience);
}
