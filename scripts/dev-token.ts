import { DEV_AUTH_DEFAULTS, signDevToken } from './lib/dev-token';

/** Prints a token for an admin developer, matching the service's auth environment or the dev defaults. */
async function main(): Promise<void> {
  const token = await signDevToken({
    secret: process.env.AUTH_JWT_SECRET || DEV_AUTH_DEFAULTS.AUTH_JWT_SECRET,
    issuer: process.env.AUTH_ISSUER || DEV_AUTH_DEFAULTS.AUTH_ISSUER,
    audience: process.env.AUTH_AUDIENCE || DEV_AUTH_DEFAULTS.AUTH_AUDIENCE,
    sub: 'dev-user',
    roles: ['admin'],
  });
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`dev-token: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
