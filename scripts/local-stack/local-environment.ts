import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { startMarketDataSimulator, type MarketDataSimulator } from '../../test/support/market-data-simulator';
import { DEV_AUTH_DEFAULTS, signDevToken } from '../lib/dev-token';
import { bootstrapAwsResources } from './bootstrap';
import { startDynamoDbLocal, type DynamoDbLocalHandle } from './dynamodb-local';
import { startS3Emulator, type S3EmulatorHandle } from './s3-emulator';
import { findFreePort } from './free-port';
import { RUNTIME_MEMORY_ENV } from './runtime-memory';

const MAIN = resolve(__dirname, '../../src/main.js');
const READY_TIMEOUT_MS = 30_000;

export const LOCAL_RESOURCES = {
  USERS_TABLE: 'market-dashboard-users',
  OHLC_CACHE_TABLE: 'market-dashboard-ohlc-cache',
  QUOTA_TABLE: 'market-dashboard-quota',
  TICKER_LIST_BUCKET: 'market-dashboard-tickers',
  TICKER_LIST_KEY: 'ticker-cache/us-symbols.json',
} as const;

export interface LocalEnvironment {
  readonly apiUrl: string;
  readonly env: Record<string, string>;
  readonly dynamodbEndpoint: string;
  readonly s3Endpoint: string;
  readonly simulator: MarketDataSimulator;
  /** A token for sub `dev-user` with the admin role. */
  readonly token: string;
  readonly api: ChildProcess;
  stop(): Promise<void>;
}

export interface LocalEnvironmentOptions {
  readonly port?: number;
  /** Extra or overriding service environment variables. */
  readonly apiEnv?: Record<string, string>;
  /** Where the API's output goes: the terminal, nowhere (bench), or `api.stdout` (the dev console). */
  readonly apiOutput?: 'inherit' | 'ignore' | 'pipe';
  /** Called as soon as the API process is spawned, before it is ready (to read a piped stdout from its first line). */
  readonly onApiStarted?: (api: ChildProcess) => void;
}

/**
 * Everything the service needs, on this machine and with no cloud: DynamoDB Local, an S3
 * emulator, the market-data simulator, the tables/bucket/ticker list, and the built API as a
 * child process. `stop()` ends all of them.
 */
export async function startLocalEnvironment(options: LocalEnvironmentOptions = {}): Promise<LocalEnvironment> {
  const started: Array<{ stop(): Promise<void> }> = [];
  const stopAll = async (): Promise<void> => {
    for (const handle of started.reverse()) await handle.stop().catch(() => undefined);
  };
  try {
    const [dynamo, s3, simulator] = await Promise.all([startDynamoDbLocal(), startS3Emulator(), startMarketDataSimulator()]);
    started.push(dynamo as DynamoDbLocalHandle, s3 as S3EmulatorHandle, { stop: () => simulator.close() });

    const env: Record<string, string> = {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      ...LOCAL_RESOURCES,
      ...DEV_AUTH_DEFAULTS,
      TIINGO_API_KEY: simulator.tiingoApiKey,
      TIINGO_BASE_URL: simulator.tiingoBaseUrl,
      FINNHUB_API_KEY: simulator.finnhubApiKey,
      FINNHUB_BASE_URL: simulator.finnhubBaseUrl,
      PORT: String(options.port ?? (await findFreePort())),
      ...options.apiEnv,
    };
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    await bootstrapAwsResources({
      region: env.AWS_REGION,
      dynamodbEndpoint: dynamo.endpoint,
      s3Endpoint: s3.endpoint,
      tables: { users: env.USERS_TABLE, ohlcCache: env.OHLC_CACHE_TABLE, quota: env.QUOTA_TABLE },
      bucket: env.TICKER_LIST_BUCKET,
      tickerListKey: env.TICKER_LIST_KEY,
    });

    // With the container's memory settings, so the bench sees the footprint of a task; apiEnv may override them.
    const api = spawn(process.execPath, [MAIN], {
      env: { ...process.env, ...RUNTIME_MEMORY_ENV, ...env },
      stdio: ['ignore', options.apiOutput ?? 'inherit', 'inherit'],
    });
    options.onApiStarted?.(api);
    const apiExited = once(api, 'exit');
    started.push({
      stop: async () => {
        if (api.exitCode !== null || api.signalCode !== null) return;
        api.kill('SIGTERM');
        await apiExited;
      },
    });
    const apiUrl = `http://localhost:${env.PORT}`;
    await waitUntilReady(apiUrl, api);
    const token = await signDevToken({
      secret: env.AUTH_JWT_SECRET,
      issuer: env.AUTH_ISSUER,
      audience: env.AUTH_AUDIENCE,
      sub: 'dev-user',
      roles: ['admin'],
    });
    return {
      apiUrl,
      env,
      dynamodbEndpoint: dynamo.endpoint,
      s3Endpoint: s3.endpoint,
      simulator,
      token,
      api,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function waitUntilReady(apiUrl: string, api: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (api.exitCode !== null) throw new Error(`the API exited with code ${api.exitCode} during start-up`);
    const ready = await fetch(`${apiUrl}/health/ready`, { signal: AbortSignal.timeout(2000) }).then(
      (res) => res.ok,
      () => false,
    );
    if (ready) return;
    await delay(200);
  }
  throw new Error(`the API did not become ready within ${READY_TIMEOUT_MS / 1000} s`);
}
