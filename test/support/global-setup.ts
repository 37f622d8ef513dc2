import { startDynamoDbLocal } from '../../scripts/local-stack/dynamodb-local';
import { startS3Emulator } from '../../scripts/local-stack/s3-emulator';
import { ensureFreshBuild } from './fresh-build';

/** What global-teardown needs to stop; kept on globalThis because jest runs both hooks in its main process. */
export interface TestBackend {
  /** Projects (integration, e2e) sharing the backend in this run; the last teardown stops it. */
  users: number;
  stop(): Promise<void>;
}

export const TEST_BACKEND_KEY = Symbol.for('market-dashboard-api.test-backend');

type GlobalWithBackend = typeof globalThis & { [TEST_BACKEND_KEY]?: TestBackend };

// A community release from before LocalStack's March 2026 consolidation: it starts without an
// account, where `latest` and the 2026.x releases exit unless LOCALSTACK_AUTH_TOKEN is set.
export const LOCALSTACK_IMAGE = 'localstack/localstack:4.12.0';

export default async function globalSetup(): Promise<void> {
  const holder = globalThis as GlobalWithBackend;
  const existing = holder[TEST_BACKEND_KEY];
  if (existing !== undefined) {
    existing.users += 1;
    return;
  }
  // Before the emulators: a failed build ends the run at once, and nothing is left running.
  ensureFreshBuild();
  process.env.AWS_REGION ||= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ||= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ||= 'local';

  const stop =
    process.env.AWS_TEST_BACKEND === 'localstack' && (await dockerIsReachable())
      ? await startLocalStack()
      : await startEmulators();
  holder[TEST_BACKEND_KEY] = { users: 1, stop };
}

async function startEmulators(): Promise<() => Promise<void>> {
  const [dynamodb, s3] = await Promise.allSettled([startDynamoDbLocal(), startS3Emulator()]);
  if (dynamodb.status === 'rejected' || s3.status === 'rejected') {
    // Do not leave the half that did start running.
    await Promise.all([dynamodb, s3].map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    throw dynamodb.status === 'rejected' ? dynamodb.reason : (s3 as PromiseRejectedResult).reason;
  }
  process.env.TEST_DYNAMODB_ENDPOINT = dynamodb.value.endpoint;
  process.env.TEST_S3_ENDPOINT = s3.value.endpoint;
  return async () => {
    await Promise.all([dynamodb.value.stop(), s3.value.stop()]);
  };
}

/** The pinned image (LOCALSTACK_IMAGE overrides it), and the user's auth token when one is set, for newer images. */
export function localstackContainerSettings(env: NodeJS.ProcessEnv): { image: string; environment: Record<string, string> } {
  const token = env.LOCALSTACK_AUTH_TOKEN?.trim();
  return { image: env.LOCALSTACK_IMAGE?.trim() || LOCALSTACK_IMAGE, environment: token ? { LOCALSTACK_AUTH_TOKEN: token } : {} };
}

async function startLocalStack(): Promise<() => Promise<void>> {
  const { LocalstackContainer } = await import('@testcontainers/localstack');
  const { image, environment } = localstackContainerSettings(process.env);
  const container = await new LocalstackContainer(image).withEnvironment(environment).start();
  const endpoint = container.getConnectionUri();
  process.env.TEST_DYNAMODB_ENDPOINT = endpoint;
  process.env.TEST_S3_ENDPOINT = endpoint;
  return async () => {
    await container.stop();
  };
}

/** Without Docker this rejects within milliseconds, so asking costs nothing. */
async function dockerIsReachable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    process.stdout.write('AWS_TEST_BACKEND=localstack but no Docker engine is reachable: using DynamoDB Local and s3rver\n');
    return false;
  }
}
