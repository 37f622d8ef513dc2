import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isHttpsOrLoopback } from '../../src/config/auth-url-rules';
import { PUBLISHED_DEV_SECRET } from '../../src/config/published-dev-secret';
import { RUNTIME_MEMORY_ENV } from '../../scripts/local-stack/runtime-memory';
import { LOCALSTACK_IMAGE, localstackContainerSettings } from '../support/global-setup';

const ROOT = resolve(__dirname, '../..');
const text = (path: string): string => readFileSync(resolve(ROOT, path), 'utf8');

/** Lines of one stage of the Dockerfile, continuation lines joined. */
function stage(dockerfile: string, name: string): string[] {
  const lines = dockerfile.replace(/\\\n\s*/g, ' ').split('\n');
  const start = lines.findIndex((line) => new RegExp(`^FROM .* AS ${name}$`).test(line));
  const end = lines.findIndex((line, i) => i > start && line.startsWith('FROM '));
  return lines.slice(start, end < 0 ? undefined : end).filter((line) => line.trim() !== '' && !line.startsWith('#'));
}

interface TaskDefinition {
  containerDefinitions: Array<{
    image: string;
    user?: string;
    readonlyRootFilesystem?: boolean;
    environment: Array<{ name: string; value: string }>;
    secrets: Array<{ name: string; valueFrom: string }>;
  }>;
}

describe('Dockerfile', () => {
  const dockerfile = text('Dockerfile');

  it('builds the runtime list in the build stage and copies only that list of dist/', () => {
    expect(stage(dockerfile, 'build')).toContainEqual(expect.stringMatching(/^RUN npm run build && node dist\/scripts\/runtime-files\.js --copy-to \/runtime$/));
    const copies = stage(dockerfile, 'runtime').filter((line) => line.startsWith('COPY'));
    expect(copies).toEqual([
      'COPY --from=deps /app/node_modules ./node_modules',
      'COPY --from=build /runtime/dist ./dist',
      'COPY --chmod=0444 package.json ./',
      'COPY --chmod=0444 fixtures/us-symbols.json ./fixtures/us-symbols.json',
    ]);
  });

  it('leaves every file owned by root and runs as node, after the copies', () => {
    const runtime = stage(dockerfile, 'runtime');
    expect(runtime.filter((line) => line.includes('--chown'))).toEqual([]);
    const user = runtime.findIndex((line) => line === 'USER node');
    expect(user).toBeGreaterThan(runtime.findLastIndex((line) => line.startsWith('COPY') || line.startsWith('RUN')));
    expect(runtime).toContainEqual(expect.stringMatching(/NODE_ENV=production/));
  });

  it('runs with the memory settings the bench measures (young generation, heap ceiling, malloc arenas)', () => {
    const env = Object.fromEntries(
      stage(dockerfile, 'runtime')
        .filter((line) => line.startsWith('ENV '))
        .flatMap((line) => [...line.matchAll(/(\w+)=("[^"]*"|\S+)/g)].map(([, name, value]) => [name, value.replace(/^"|"$/g, '')])),
    );
    expect(env).toMatchObject(RUNTIME_MEMORY_ENV);
  });
});

describe('.dockerignore', () => {
  const patterns = text('.dockerignore').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));

  it('keeps secrets and local state out of the build context', () => {
    expect(patterns).toEqual(expect.arrayContaining(['.env', '.env.*', '*.pem', '*.key', '.npmrc', '.aws', 'node_modules', 'dist', 'coverage', 'bench/results', '.git']));
  });

  it('keeps what the build needs: sources, tests support (the simulator db-init shares), fixtures', () => {
    for (const needed of ['src', 'scripts', 'test', 'fixtures', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) {
      expect(patterns.filter((pattern) => pattern === needed || needed.startsWith(`${pattern}/`))).toEqual([]);
    }
  });
});

describe('ECS task definition', () => {
  const raw = text('deploy/ecs-task-definition.json');
  const [container] = (JSON.parse(raw) as TaskDefinition).containerDefinitions;
  const env = Object.fromEntries(container.environment.map(({ name, value }) => [name, value]));

  it('takes the image tag as a parameter, never :latest, as does the smoke task', () => {
    expect(container.image).toMatch(/:\$\{IMAGE_TAG\}$/);
    expect(raw).not.toContain(':latest');
    const [smoke] = (JSON.parse(text('deploy/ecs-smoke-task-definition.json')) as TaskDefinition).containerDefinitions;
    expect(smoke.image).toBe(container.image);
  });

  it('runs read-only as the unprivileged user', () => {
    expect(container).toMatchObject({ readonlyRootFilesystem: true, user: 'node' });
  });

  it('is configured for Cognito: JWKS of the issuer over https, app client id as audience, groups as roles', () => {
    expect(env.AUTH_JWKS_URL).toBe(`${env.AUTH_ISSUER}/.well-known/jwks.json`);
    expect(env.AUTH_ISSUER).toMatch(/^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\/\$\{COGNITO_USER_POOL_ID\}$/);
    expect(isHttpsOrLoopback(env.AUTH_JWKS_URL)).toBe(true);
    expect(env.AUTH_AUDIENCE).toBe('${COGNITO_APP_CLIENT_ID}');
    expect(env.AUTH_ROLES_CLAIM).toBe('cognito:groups');
    expect(env.AUTH_JWT_SECRET).toBeUndefined();
    expect(container.secrets.map((s) => s.name).sort()).toEqual(['FINNHUB_API_KEY', 'TIINGO_API_KEY']);
  });

  it('sets the same memory settings as the image and the bench', () => {
    expect(env).toMatchObject(RUNTIME_MEMORY_ENV);
  });
});

describe('docker-compose.yml', () => {
  const compose = text('docker-compose.yml');
  /** The indented block of one service. */
  const service = (name: string): string => {
    const match = new RegExp(`^  ${name}:\\n((?:    .*\\n|\\s*\\n)*)`, 'm').exec(compose);
    if (!match) throw new Error(`no service ${name}`);
    return match[1];
  };

  it('pins a LocalStack community image that starts without a token, and passes a token through', () => {
    expect(service('localstack')).toContain(`image: \${LOCALSTACK_IMAGE:-${LOCALSTACK_IMAGE}}`);
    expect(service('localstack')).toContain('LOCALSTACK_AUTH_TOKEN: ${LOCALSTACK_AUTH_TOKEN:-}');
  });

  it('takes the api secret from the environment; only the dev-profile service has the published one', () => {
    expect(service('api')).toContain('AUTH_JWT_SECRET: ${AUTH_JWT_SECRET:-}');
    expect(compose.split(PUBLISHED_DEV_SECRET)).toHaveLength(2);
    expect(service('api-dev')).toContain(`AUTH_JWT_SECRET: ${PUBLISHED_DEV_SECRET}`);
    expect(service('api-dev')).toContain('profiles: ["dev"]');
    expect(service('api-dev')).toMatch(/DEV ONLY/);
  });

  it('keeps the init job running db-init from the image', () => {
    expect(service('init')).toContain('command: ["node", "dist/scripts/db-init.js"]');
  });
});

describe('LocalStack through Testcontainers', () => {
  it('uses the pinned community image and no token by default', () => {
    expect(LOCALSTACK_IMAGE).toBe('localstack/localstack:4.12.0');
    expect(localstackContainerSettings({})).toEqual({ image: LOCALSTACK_IMAGE, environment: {} });
  });

  it('passes LOCALSTACK_AUTH_TOKEN through when set, for a newer LOCALSTACK_IMAGE', () => {
    expect(localstackContainerSettings({ LOCALSTACK_AUTH_TOKEN: 'ls-token', LOCALSTACK_IMAGE: 'localstack/localstack:2026.3.0' })).toEqual({
      image: 'localstack/localstack:2026.3.0',
      environment: { LOCALSTACK_AUTH_TOKEN: 'ls-token' },
    });
  });
});
