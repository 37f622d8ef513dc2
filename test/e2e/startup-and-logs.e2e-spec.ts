import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { startServiceProcess } from '../support/service-process';
import { baseTestEnv } from '../support/test-app';

const MAIN = resolve(__dirname, '../../dist/src/main.js');

describe('start-up configuration check', () => {
  it('exits non-zero with one line per problem, naming each variable, when settings are missing', async () => {
    const env: Record<string, string | undefined> = { PATH: process.env.PATH, ...baseTestEnv() };
    delete env.AUTH_ISSUER;
    env.MAX_CONFIGS_PER_USER = 'many';
    const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];

    expect(code).not.toBe(0);
    const lines = stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/MAX_CONFIGS_PER_USER must be an integer/),
      expect.stringMatching(/AUTH_ISSUER is required/),
    ]);
  });
});

describe('request logs', () => {
  it('writes one JSON line per request with id, route, status and latency, and no credentials', async () => {
    const service = await startServiceProcess({});
    try {
      const res = await fetch(`${service.url}/health/live?token=query-secret-123&limit=3`, {
        headers: {
          Authorization: 'Bearer header.secret.456',
          Cookie: 'session=cookie-secret-789',
          'X-Request-ID': 'log-check-1',
        },
      });
      expect(res.status).toBe(200);
      const line = await service.waitForLog((l) => l.request_id === 'log-check-1' && l.msg === 'request completed');

      expect(line).toMatchObject({ route: '/health/live', status: 200, req: { method: 'GET' } });
      expect(typeof line.latency_ms).toBe('number');
      const everything = JSON.stringify(service.logs);
      for (const secret of ['query-secret-123', 'header.secret.456', 'cookie-secret-789']) expect(everything).not.toContain(secret);
    } finally {
      await service.stop();
    }
  });
});
