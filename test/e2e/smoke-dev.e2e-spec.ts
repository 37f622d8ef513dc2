import { ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { findFreePort } from '../../scripts/local-stack/free-port';

const DEV = resolve(__dirname, '../../dist/scripts/dev.js');
const SMOKE = resolve(__dirname, '../../dist/scripts/smoke.js');
const run = promisify(execFile);

interface SmokeRun {
  code: number;
  stdout: string;
}

async function smoke(args: string[], env: Record<string, string> = {}): Promise<SmokeRun> {
  try {
    const { stdout } = await run(process.execPath, [SMOKE, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

const STEPS = ['live', 'ready', 'circuits', 'search', 'ohlc', 'ohlc-cached', 'config-create', 'config-get', 'config-delete'];

/** `npm run dev` (the built launcher) as a developer or CI sees it, and `npm run smoke` against it. */
describe('Smoke command against the dev stack (e2e)', () => {
  let dev: ChildProcess;
  const output: string[] = [];
  let baseUrl: string;
  let token: string;

  beforeAll(async () => {
    const port = await findFreePort();
    dev = spawn(process.execPath, [DEV], { env: { ...process.env, PORT: String(port), LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'] });
    const ready = new Promise<string>((resolveReady, reject) => {
      createInterface({ input: dev.stdout! }).on('line', (line) => {
        output.push(line);
        if (line.startsWith('ready: ')) resolveReady(line);
      });
      dev.once('exit', (code) => reject(new Error(`dev exited with ${code} before its ready line:\n${output.join('\n')}`)));
    });
    const readyLine = await ready;
    baseUrl = /ready: API (\S+)/.exec(readyLine)![1];
    token = /token \(dev-user, admin\): (\S+)/.exec(readyLine)![1];
  }, 120_000);

  afterAll(async () => {
    if (dev && dev.exitCode === null) {
      const exited = once(dev, 'exit');
      dev.kill('SIGTERM');
      await exited;
    }
  });

  it('passes every step in order, one line each with its latency, and exits 0', async () => {
    const result = await smoke(['--base-url', baseUrl, '--token-env', 'DEV_SMOKE_TOKEN'], { DEV_SMOKE_TOKEN: token });

    expect(result.code).toBe(0);
    const stepLines = result.stdout.split('\n').filter((line) => /^smoke: (ok|FAIL)/.test(line));
    expect(stepLines.map((line) => line.split(/\s+/)[2])).toEqual(STEPS);
    for (const line of stepLines) expect(line).toMatch(/^smoke: ok\s+\S+\s+\d+ ms /);
    expect(result.stdout).toContain('X-Cache-Source in-memory');
    expect(result.stdout).toContain('smoke: passed');
  });

  it('leaves no configuration behind for the smoke user', async () => {
    await smoke(['--base-url', baseUrl, '--token', token]);

    const res = await fetch(`${baseUrl}/api/v2/configurations`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { configurations: unknown[] }).configurations).toEqual([]);
  });

  it('stops at the first failing step, names it and exits 1', async () => {
    const result = await smoke(['--base-url', baseUrl, '--token', 'not-a-valid-token']);

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^smoke: FAIL ohlc .*expected 200, got 401 UNAUTHENTICATED$/m);
    expect(result.stdout).toContain('smoke: failed at step ohlc');
    expect(result.stdout).not.toContain('ohlc-cached');
  });

  it('fails at the first step when nothing answers at the base URL', async () => {
    const closedPort = await findFreePort();
    const result = await smoke(['--base-url', `http://127.0.0.1:${closedPort}`, '--token', token, '--timeout-ms', '2000']);

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^smoke: FAIL live .*no answer/m);
    expect(result.stdout).toContain('smoke: failed at step live');
  });

  it('runs from the production image: its compiled files require only Node built-ins and each other', () => {
    const files = [SMOKE, resolve(dirname(SMOKE), 'lib/smoke-steps.js')];
    const required = files.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]));

    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((name) => !name.startsWith('node:') && name !== './lib/smoke-steps')).toEqual([]);
  });

  it('rejects a wrong command line with usage and exit 2', async () => {
    const result = await smoke(['--base-url', 'not a url', '--token', token]);

    expect(result.code).toBe(2);
  });

  it('shows a person readable start-up: no JSON, the routes once, the ready line last', async () => {
    const readyAt = output.findIndex((line) => line.startsWith('ready: '));
    const startup = output.slice(0, readyAt);

    expect(startup.length).toBeGreaterThan(0);
    for (const line of startup) expect(line.trimStart().startsWith('{')).toBe(false);
    expect(startup.filter((line) => /^\s+GET\s+\/health\/live$/.test(line))).toHaveLength(1);
    expect(startup.some((line) => line.includes('listening on port'))).toBe(true);
  });

  it('prints one line per request with method, path, status, latency and cache source', async () => {
    const query = '/api/v2/tickers/MSFT/ohlc?range=1W';
    for (let i = 0; i < 2; i += 1) {
      const res = await fetch(`${baseUrl}${query}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
    }

    const line = new RegExp(`GET ${query.replace(/[?]/g, '\\?')} 200 \\d+ ms in-memory`);
    await waitFor(() => output.some((entry) => line.test(entry)));
    expect(output.filter((entry) => entry.includes(`GET ${query} 200`))).toHaveLength(2);
  });
});

/** Polls a condition on the captured output (the log line arrives through a pipe after the response). */
async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolveTick) => setTimeout(resolveTick, 20));
  }
}

describe('npm run dev without Java (e2e)', () => {
  it('stops with a message that says Java is missing and how to install it', async () => {
    // Only node's own directory on PATH: java cannot be found, as on a machine without it.
    const result = await run(process.execPath, [DEV], {
      env: { ...process.env, PATH: dirname(process.execPath), PORT: String(await findFreePort()) },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Java was not found on PATH');
    expect(result.stderr).toContain('apt-get install -y default-jre-headless');
    expect(result.stderr).not.toContain('ENOENT');
  });
});
