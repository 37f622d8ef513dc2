import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors, JWTPayload, jwtVerify, JWTVerifyGetKey } from 'jose';
import { Settings } from '../../config/settings';
import { UnauthenticatedError } from '../errors/common.errors';
import { DependencyUnavailableError } from '../errors/dependency.errors';
import { AuthenticatedUser } from './auth.decorators';

const CLOCK_TOLERANCE_SECONDS = 5;

/** Verifies signature, `exp`, `nbf`, `iss` and `aud`; only the configured algorithms are accepted, never `none`. */
@Injectable()
export class TokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(private readonly settings: Settings) {
    const auth = settings.auth;
    if (auth.mode === 'secret') {
      this.key = new TextEncoder().encode(auth.secret);
      this.algorithms = ['HS256'];
    } else {
      this.key = createRemoteJWKSet(new URL(auth.jwksUrl), { timeoutDuration: 2000, cooldownDuration: 30_000 });
      this.algorithms = ['RS256', 'ES256'];
    }
  }

  async verify(token: string): Promise<AuthenticatedUser> {
    let payload: JWTPayload;
    try {
      const options = {
        issuer: this.settings.auth.issuer,
        audience: this.settings.auth.audience,
        algorithms: this.algorithms,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
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
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) {
      throw new UnauthenticatedError('The token has no subject');
    }
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
    return { sub: payload.sub, roles };
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
  if (error instanceof errors.JWTClaimValidationFailed) return `The token's "${error.claim}" claim is not accepted`;
  return 'The token is not valid';
}
