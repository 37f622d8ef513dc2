import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { findFreePort } from '../../scripts/local-stack/free-port';
import { baseTestEnv } from './test-app';

const MAIN = resolve(__dirname, '../../dist/src/main.js');

export interface ServiceProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Every JSON log line the process has written so far. */
  readonly logs: Array<Record<string, unknown>>;
  /** Resolves with the first log line (present or future) that matches. */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * The built service (`npm run build` → dist/src/main.js) as a separate OS process, for what only
 * processes show: several instances sharing tables, signals, exit codes.
 */
const STARTUP_TIMEOUT_MS = 45_000;

export async function startServiceProcess(
  env: Record<string, string | undefined>,
  options: { readonly nodeArgs?: readonly string[] } = {},
): Promise<ServiceProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first (npm test does)`);
  const port = await findFreePort();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), MAIN], {
    env: { ...process.env, ...baseTestEnv(), LOG_LEVEL: 'info', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const waiters = new Set<{ predicate: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }>();
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    logs.push(line);
    for (const waiter of waiters) {
      if (waiter.predicate(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  });

  const waitForLog: ServiceProcess['waitForLog'] = (predicate, timeoutMs = 20_000) => {
    const existing = logs.find(predicate);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no matching log line within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`));
      }, timeoutMs);
      const waiter = {
        predicate,
        resolve: (line: Record<string, unknown>) => {
          clearTimeout(timer);
          resolvePromise(line);
        },
      };
      waiters.add(waiter);
      child.once('exit', (code) => {
        if (!waiters.has(waiter)) return;
        waiters.delete(waiter);
        clearTimeout(timer);
        reject(new Error(`service exited with ${code} before the log line; stderr: ${stderr.slice(-2000)}`));
      });
    });
  };

  // A bound, not a wait: a healthy start resolves at once; a loaded 2-core box starting three
  // processes beside DynamoDB Local has taken over 20 s.
  await waitForLog((line) => String(line.msg).includes('listening'), STARTUP_TIMEOUT_MS);
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    logs,
    waitForLog,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}
