import { SignJWT } from 'jose';
import { PUBLISHED_DEV_SECRET } from '../../src/config/published-dev-secret';

export interface DevTokenOptions {
  secret: string;
  issuer: string;
  audience: string;
  sub: string;
  roles: string[];
  /** Defaults to 12 hours: long enough for a working session, short enough to expire. */
  expiresInSeconds?: number;
}

/** Auth settings of the local development setup; the dev launcher and the token CLI share them. Never for production. */
export const DEV_AUTH_DEFAULTS = {
  AUTH_JWT_SECRET: PUBLISHED_DEV_SECRET,
  AUTH_ISSUER: 'market-dashboard-local',
  AUTH_AUDIENCE: 'market-dashboard-api',
} as const;

const DEFAULT_EXPIRY_SECONDS = 12 * 60 * 60;

/** Signs an HS256 token the service accepts when it runs with AUTH_JWT_SECRET. */
export async function signDevToken(options: DevTokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles: options.roles })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.sub)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresInSeconds ?? DEFAULT_EXPIRY_SECONDS))
    .sign(new TextEncoder().encode(options.secret));
}
