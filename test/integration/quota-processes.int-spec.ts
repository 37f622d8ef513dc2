import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { QuotaService } from '../../src/quota/quota.service';
import { ensureFreshBuild } from '../support/fresh-build';
import { FakeQuotaClock, startQuotaModule } from '../support/quota-test-module';
import { baseTestEnv } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';

const ROOT = join(__dirname, '..', '..');
const WORKER = join(ROOT, 'test', 'support', 'quota-worker.cjs');

interface WorkerSummary {
  granted: number;
  denied: number;
  fallback: number;
  errors: string[];
}

function startWorker(at: string, count: number, env: NodeJS.ProcessEnv) {
  const child: ChildProcess = spawn(process.execPath, [WORKER, at, String(count)], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const nextLine = async (): Promise<string> => {
    const line = await lines.next();
    if (line.done) throw new Error(`quota worker exited early (code ${await exited}):\n${stderr}`);
    return line.value;
  };
  return {
    ready: async () => expect(await nextLine()).toBe('ready'),
    go: () => child.stdin!.write('go\n'),
    summary: async (): Promise<WorkerSummary> => JSON.parse(await nextLine()) as WorkerSummary,
    exited,
    kill: () => child.kill('SIGKILL'),
  };
}

describe(`${QuotaService.name} across OS processes`, () => {
  let resources: TestAwsResources;
  let env: Record<string, string>;
  const at = '2026-11-22T14:30:00.000Z';

  beforeAll(async () => {
    // The workers run the compiled app (as production does); global-setup built it or failed the run.
    ensureFreshBuild();
    resources = await createTestAwsResources();
    env = {
      ...baseTestEnv(),
      ...resources.env,
      QUOTA_TIINGO_HOUR_LIMIT: '600',
      QUOTA_TIINGO_DAY_LIMIT: '100000',
      // Counting is under test, not latency: 1000 transactions queue up in DynamoDB Local.
      REQUEST_DEADLINE_MS: '60000',
      CIRCUIT_DYNAMODB_MINIMUM_CALLS: '1000000',
    };
  }, 120_000);
  afterAll(async () => {
    await resources.destroy();
  });

  it('grants exactly 600 of 4 × 250 concurrent reserves against a limit of 600 and stores 600', async () => {
    const processEnv = { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', ...env };
    const workers = Array.from({ length: 4 }, () => startWorker(at, 250, processEnv));
    try {
      await Promise.all(workers.map((w) => w.ready()));
      workers.forEach((w) => w.go());
      const summaries = await Promise.all(workers.map((w) => w.summary()));
      const exitCodes = await Promise.all(workers.map((w) => w.exited));

      expect(summaries.flatMap((s) => s.errors)).toEqual([]);
      expect(exitCodes).toEqual([0, 0, 0, 0]);
      const total = summaries.reduce(
        (sum, s) => ({ granted: sum.granted + s.granted, denied: sum.denied + s.denied, fallback: sum.fallback + s.fallback }),
        { granted: 0, denied: 0, fallback: 0 },
      );
      expect(total).toEqual({ granted: 600, denied: 400, fallback: 0 });
    } finally {
      workers.forEach((w) => w.kill());
    }

    const reader = await startQuotaModule(env, new FakeQuotaClock(new Date(at)));
    try {
      expect((await reader.quota.usage('tiingo')).windows.map((w) => [w.window, w.used])).toEqual([
        ['hour', 600],
        ['day', 600],
      ]);
    } finally {
      await reader.close();
    }
  }, 180_000);
});
