import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { findFreePort } from '../scripts/local-stack/free-port';
import { RUNTIME_MEMORY_ENV } from '../scripts/local-stack/runtime-memory';

const MAIN = resolve(__dirname, '../src/main.js');

export interface ApiProcess {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * One more built API process beside the bench's own, e.g. pointed at a fault proxy instead of
 * DynamoDB Local, with the container's memory settings. Ready once /health/live answers; its
 * output is discarded.
 */
export async function startApiProcess(env: Readonly<Record<string, string>>): Promise<ApiProcess> {
  const port = await findFreePort();
  const child: ChildProcess = spawn(process.execPath, [MAIN], {
    env: { ...process.env, ...RUNTIME_MEMORY_ENV, LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const giveUpAt = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the API exited with code ${child.exitCode} during start-up`);
    const live = await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(2000) }).then((res) => res.ok, () => false);
    if (live) break;
    if (Date.now() > giveUpAt) throw new Error('the API did not answer /health/live within 30 s');
    await delay(200);
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
