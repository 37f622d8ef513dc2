import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors, JWTPayload, jwtVerify, JWTVerifyGetKey, JWTVerifyOptions } from 'jose';
import { Settings } from '../../config/settings';
import { UnauthenticatedError } from '../errors/common.errors';
import { DependencyUnavailableError } from '../errors/dependency.errors';
import { AuthenticatedUser } from './auth.decorators';
import { userFromClaims } from './token-claims';
import { VerifiedTokenCache } from './verified-token.cache';

const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * Verifies signature, `iss`, `nbf` and `exp` (required: a token without it would never expire),
 * then `aud`/`client_id`, `sub` and roles (token-claims.ts). Only the configured algorithms are
 * accepted, never `none`.
 */
@Injectable()
export class TokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly verified: VerifiedTokenCache;

  constructor(private readonly settings: Settings) {
    const auth = settings.auth;
    this.verified = new VerifiedTokenCache(auth.verifiedTokenCacheSeconds);
    if (auth.mode === 'secret') {
      this.key = new TextEncoder().encode(auth.secret);
      this.algorithms = ['HS256'];
    } else {
      this.key = createRemoteJWKSet(new URL(auth.jwksUrl), { timeoutDuration: 2000, cooldownDuration: 30_000 });
      this.algorithms = ['RS256', 'ES256'];
    }
  }

  async verify(token: string): Promise<AuthenticatedUser> {
    const known = this.verified.get(token);
    if (known !== undefined) return known;
    let payload: JWTPayload;
    try {
      // No `audience` here: jose would reject tokens without `aud`, which are matched on `client_id`.
      const options: JWTVerifyOptions = {
        issuer: this.settings.auth.issuer,
        algorithms: this.algorithms,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'sub'],
      };
      ({ payload } =
        this.key instanceof Uint8Array ? await jwtVerify(token, this.key, options) : await jwtVerify(token, this.key, options));
    } catch (error) {
      if (this.settings.auth.mode === 'jwks' && isKeySetOutage(error)) {
        // The token may be fine: the identity provider did not answer. A 401 would log users out.
        throw new DependencyUnavailableError('identity-provider', KEY_SET_RETRY_AFTER_SECONDS, error);
      }
      throw new UnauthenticatedError(messageFor(error));
    }
    const user = userFromClaims(payload, this.settings.auth);
    // `exp` is a required claim, checked by jwtVerify above.
    this.verified.set(token, user, payload.exp as number);
    return user;
  }
}

const KEY_SET_RETRY_AFTER_SECONDS = 5;

/** The JWKS could not be fetched (timeout, network, bad answer), as opposed to a bad token. */
function isKeySetOutage(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true;
  // jose lets fetch's network errors through, and reports a non-200 answer as a generic error.
  if (error instanceof TypeError) return true;
  return error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set/i.test(error.message);
}

function messageFor(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    return error.reason === 'missing' ? `The token has no "${error.claim}" claim` : `The token's "${error.claim}" claim is not accepted`;
  }
  return 'The token is not valid';
}
