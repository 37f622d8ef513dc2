import { isHttpsOrLoopback } from './auth-url-rules';
import { EnvReader } from './env-reader';
import { PUBLISHED_DEV_SECRET } from './published-dev-secret';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEPENDENCIES = ['dynamodb', 's3', 'tiingo', 'finnhub'] as const;
export type DependencyName = (typeof DEPENDENCIES)[number];

/**
 * One circuit breaker per use of a dependency: `dynamodb` guards the system of record
 * (configurations, quota), `dynamodb_cache` the OHLC cache layer, which providers can bypass.
 */
export const CIRCUITS = ['dynamodb', 'dynamodb_cache', 's3', 'tiingo', 'finnhub'] as const;
export type CircuitName = (typeof CIRCUITS)[number];

/** The dependency a circuit's calls go to, as named in error details and metrics. */
export function dependencyOf(circuit: CircuitName): DependencyName {
  return circuit === 'dynamodb_cache' ? 'dynamodb' : circuit;
}

export type QuotaWindowUnit = 'minute' | 'hour' | 'day';
export interface QuotaWindowLimit {
  readonly window: QuotaWindowUnit;
  readonly limit: number;
}

/**
 * When a breaker opens, counted in logical calls (one outcome per call, after its retries):
 * - `failure-rate`: more than `failureRate` of the calls of the last `samplingMs` failed, and
 *   there were at least `minimumCalls` of them (a blip among many successes never opens it);
 * - `consecutive`: `failureThreshold` calls in a row failed.
 */
export type CircuitSettings =
  | {
      readonly kind: 'failure-rate';
      readonly failureRate: number;
      readonly minimumCalls: number;
      readonly samplingMs: number;
      readonly halfOpenAfterMs: number;
    }
  | { readonly kind: 'consecutive'; readonly failureThreshold: number; readonly halfOpenAfterMs: number };

export interface HttpServerSettings {
  /** Idle keep-alive; above the load balancer's idle timeout so Node never closes a socket it reuses. */
  readonly keepAliveTimeoutMs: number;
  /** Kept above keepAliveTimeoutMs, as load-balancer guidance for Node asks. */
  readonly headersTimeoutMs: number;
  /** Bounds how long one request (headers and body) may take to arrive. */
  readonly requestTimeoutMs: number;
  /** Proxies in front of the service whose X-Forwarded-* headers are trusted. */
  readonly trustProxyHops: number;
}

export interface ProviderSettings {
  readonly apiKey?: string;
  readonly baseUrl: string;
}

interface TokenClaimSettings {
  readonly issuer: string;
  /** Matched against `aud`, or against `client_id` when a token has no `aud` (Cognito access tokens). */
  readonly audience: string;
  /** The claim holding the roles array, e.g. `cognito:groups`. */
  readonly rolesClaim: string;
  /** How long a verified token is remembered (never past its `exp`); 0 verifies every request. */
  readonly verifiedTokenCacheSeconds: number;
}

export type AuthSettings =
  | (TokenClaimSettings & { readonly mode: 'secret'; readonly secret: string })
  | (TokenClaimSettings & { readonly mode: 'jwks'; readonly jwksUrl: string });

/** Every setting of the service, validated once at start; the only view of the environment. */
export class Settings {
  constructor(
    readonly port: number,
    readonly logLevel: LogLevel,
    readonly aws: {
      readonly region: string;
      readonly dynamodbEndpoint?: string;
      readonly s3Endpoint?: string;
    },
    readonly tables: { readonly users: string; readonly ohlcCache: string; readonly quota: string },
    readonly tickerList: { readonly bucket: string; readonly key: string; readonly refreshSeconds: number },
    readonly maxConfigsPerUser: number,
    readonly auth: AuthSettings,
    readonly providers: { readonly tiingo: ProviderSettings; readonly finnhub: ProviderSettings },
    readonly requestDeadlineMs: number,
    readonly shutdownGraceMs: number,
    readonly circuits: Readonly<Record<CircuitName, CircuitSettings>>,
    readonly quota: {
      readonly services: Readonly<Record<string, readonly QuotaWindowLimit[]>>;
      readonly fallbackFraction: number;
    },
    readonly ohlcMemoryCacheBytes: number,
    /**
     * A deadline abort counts against a breaker only when the aborted attempt started with at
     * least this much of the request's budget left; less means the client or a wait used it up.
     */
    readonly circuitFairBudgetMs: number,
    readonly http: HttpServerSettings,
    /** How old a /health/ready answer may be; the AWS checks run at most once per interval. */
    readonly readinessCacheMs: number,
    /** Per user and hour: OHLC requests that need a provider call (fair share of the provider quota). */
    readonly ohlcUserUpstreamPerHour: number,
  ) {}

  /** Of SHUTDOWN_GRACE_MS, what in-flight requests may use; the rest is for shutdown hooks. */
  get shutdownDrainMs(): number {
    return Math.round(this.shutdownGraceMs * 0.7);
  }

  get shutdownHooksMs(): number {
    return this.shutdownGraceMs - this.shutdownDrainMs;
  }
}

export class InvalidEnvironmentError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidEnvironmentError';
  }
}

const CIRCUIT_DEFAULTS: Record<CircuitName, CircuitSettings> = {
  // The system of record: a blip must stay a blip, so only a sustained failure rate opens it, and
  // it probes again within seconds.
  dynamodb: { kind: 'failure-rate', failureRate: 0.5, minimumCalls: 10, samplingMs: 5000, halfOpenAfterMs: 2000 },
  // The OHLC cache layer: the providers can answer instead, so it is skipped early and for long.
  dynamodb_cache: { kind: 'consecutive', failureThreshold: 3, halfOpenAfterMs: 60_000 },
  s3: { kind: 'consecutive', failureThreshold: 3, halfOpenAfterMs: 60_000 },
  tiingo: { kind: 'consecutive', failureThreshold: 5, halfOpenAfterMs: 60_000 },
  finnhub: { kind: 'consecutive', failureThreshold: 5, halfOpenAfterMs: 60_000 },
};

const QUOTA_DEFAULTS: Record<string, QuotaWindowLimit[]> = {
  tiingo: [
    { window: 'hour', limit: 50 },
    { window: 'day', limit: 1000 },
  ],
  finnhub: [{ window: 'minute', limit: 60 }],
  sendgrid: [{ window: 'day', limit: 100 }],
};

const TABLE_NAME = 'a DynamoDB table name (3-255 chars of A-Za-z0-9_.-)';

export function loadSettings(env: NodeJS.ProcessEnv): Settings {
  const read = new EnvReader(env);
  const tableName = (name: string): string => {
    const value = read.requiredString(name, TABLE_NAME);
    if (value && !/^[A-Za-z0-9_.-]{3,255}$/.test(value)) read.problems.push(`${name} must be ${TABLE_NAME} (got "${value}")`);
    return value;
  };

  const sharedEndpoint = read.url('AWS_ENDPOINT_URL');
  const settings = new Settings(
    read.integer('PORT', 3000, 0, 65535),
    read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    {
      region: read.requiredString('AWS_REGION', 'the AWS region, e.g. us-east-1'),
      dynamodbEndpoint: read.url('AWS_ENDPOINT_URL_DYNAMODB') ?? sharedEndpoint,
      s3Endpoint: read.url('AWS_ENDPOINT_URL_S3') ?? sharedEndpoint,
    },
    { users: tableName('USERS_TABLE'), ohlcCache: tableName('OHLC_CACHE_TABLE'), quota: tableName('QUOTA_TABLE') },
    {
      bucket: read.requiredString('TICKER_LIST_BUCKET', 'the S3 bucket that holds the ticker list'),
      key: read.string('TICKER_LIST_KEY', 'ticker-cache/us-symbols.json'),
      refreshSeconds: read.integer('TICKER_LIST_REFRESH_SECONDS', 300, 1, 86_400),
    },
    read.integer('MAX_CONFIGS_PER_USER', 5, 1, 1000),
    readAuth(read),
    {
      tiingo: { apiKey: read.optionalString('TIINGO_API_KEY'), baseUrl: read.url('TIINGO_BASE_URL', 'https://api.tiingo.com')! },
      finnhub: { apiKey: read.optionalString('FINNHUB_API_KEY'), baseUrl: read.url('FINNHUB_BASE_URL', 'https://finnhub.io')! },
    },
    read.integer('REQUEST_DEADLINE_MS', 5000, 100, 120_000),
    read.integer('SHUTDOWN_GRACE_MS', 10_000, 0, 120_000),
    readCircuits(read),
    { services: readQuotas(read), fallbackFraction: read.fraction('QUOTA_FALLBACK_FRACTION', 0.2) },
    read.integer('OHLC_MEMORY_CACHE_MB', 64, 1, 16_384) * 1024 * 1024,
    read.integer('CIRCUIT_FAIR_BUDGET_MS', 1000, 0, 120_000),
    readHttpServer(read),
    read.integer('HEALTH_READY_CACHE_MS', 2000, 100, 60_000),
    read.integer('OHLC_USER_UPSTREAM_PER_HOUR', 20, 1, 1_000_000),
  );
  // Only validated here: observability/tracing/start-tracing.ts reads it before anything else loads.
  read.url('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (read.problems.length > 0) throw new InvalidEnvironmentError(read.problems);
  return settings;
}

/** The process's settings: the one place that reads `process.env`. */
export function loadSettingsFromEnvironment(): Settings {
  return loadSettings(process.env);
}

function readAuth(read: EnvReader): AuthSettings {
  const secret = read.optionalString('AUTH_JWT_SECRET');
  const jwksUrl = read.url('AUTH_JWKS_URL');
  const issuer = read.requiredString('AUTH_ISSUER', 'the expected "iss" claim of access tokens');
  const audience = read.requiredString('AUTH_AUDIENCE', 'the expected "aud" claim of tokens ("client_id" for tokens without "aud"), e.g. the Cognito app client id');
  const rolesClaim = read.string('AUTH_ROLES_CLAIM', 'roles');
  if (rolesClaim.length > 256) read.problems.push('AUTH_ROLES_CLAIM must be a claim name of at most 256 characters, e.g. cognito:groups');
  if (secret !== undefined && jwksUrl !== undefined) {
    read.problems.push('AUTH_JWT_SECRET and AUTH_JWKS_URL are both set: configure exactly one of them');
  } else if (secret === undefined && jwksUrl === undefined) {
    read.problems.push('AUTH_JWT_SECRET or AUTH_JWKS_URL is required: an HS256 shared secret or a JWKS URL');
  } else if (secret !== undefined && secret.length < 32) {
    read.problems.push('AUTH_JWT_SECRET must be at least 32 characters long (HS256 needs 256 bits)');
  } else if (secret === PUBLISHED_DEV_SECRET && read.optionalString('NODE_ENV') === 'production') {
    // Anyone who has read the repository could sign admin tokens for this deployment.
    read.problems.push(
      'AUTH_JWT_SECRET is the development secret published in this repository and NODE_ENV is production: set a secret of your own (e.g. openssl rand -base64 48) or AUTH_JWKS_URL',
    );
  }
  if (jwksUrl !== undefined && !isHttpsOrLoopback(jwksUrl)) {
    read.problems.push(`AUTH_JWKS_URL must be an https URL; plain http only for localhost, 127.0.0.0/8 or [::1] (got "${jwksUrl}")`);
  }
  const verifiedTokenCacheSeconds = read.integer('AUTH_TOKEN_CACHE_SECONDS', 120, 0, 600);
  const claims = { issuer, audience, rolesClaim, verifiedTokenCacheSeconds };
  return jwksUrl !== undefined ? { mode: 'jwks', jwksUrl, ...claims } : { mode: 'secret', secret: secret ?? '', ...claims };
}

function readCircuits(read: EnvReader): Record<CircuitName, CircuitSettings> {
  const entries = Object.entries(CIRCUIT_DEFAULTS).map(([name, defaults]): [string, CircuitSettings] => {
    const prefix = `CIRCUIT_${name.toUpperCase()}`;
    const halfOpenAfterMs = read.integer(`${prefix}_HALF_OPEN_AFTER_MS`, defaults.halfOpenAfterMs, 10, 3_600_000);
    if (defaults.kind === 'consecutive') {
      const failureThreshold = read.integer(`${prefix}_FAILURE_THRESHOLD`, defaults.failureThreshold, 1, 1000);
      return [name, { kind: 'consecutive', failureThreshold, halfOpenAfterMs }];
    }
    const failureRate = read.fraction(`${prefix}_FAILURE_RATE`, defaults.failureRate);
    if (failureRate >= 1) read.problems.push(`${prefix}_FAILURE_RATE must be below 1 (got "${failureRate}")`);
    return [
      name,
      {
        kind: 'failure-rate',
        failureRate,
        minimumCalls: read.integer(`${prefix}_MINIMUM_CALLS`, defaults.minimumCalls, 1, 1_000_000),
        samplingMs: read.integer(`${prefix}_SAMPLING_MS`, defaults.samplingMs, 1000, 600_000),
        halfOpenAfterMs,
      },
    ];
  });
  return Object.fromEntries(entries) as Record<CircuitName, CircuitSettings>;
}

function readHttpServer(read: EnvReader): HttpServerSettings {
  const keepAliveTimeoutMs = read.integer('HTTP_KEEP_ALIVE_TIMEOUT_MS', 65_000, 1000, 600_000);
  return {
    keepAliveTimeoutMs,
    headersTimeoutMs: keepAliveTimeoutMs + 1000,
    requestTimeoutMs: read.integer('HTTP_REQUEST_TIMEOUT_MS', 30_000, 1000, 600_000),
    trustProxyHops: read.integer('TRUST_PROXY_HOPS', 1, 0, 10),
  };
}

function readQuotas(read: EnvReader): Record<string, QuotaWindowLimit[]> {
  return Object.fromEntries(
    Object.entries(QUOTA_DEFAULTS).map(([service, windows]) => [
      service,
      windows.map(({ window, limit }) => ({
        window,
        limit: read.integer(`QUOTA_${service.toUpperCase()}_${window.toUpperCase()}_LIMIT`, limit, 1, 10_000_000),
      })),
    ]),
  );
}
