import { parseArgs } from 'node:util';
import { runSmoke, type SmokeOptions, type StepResult } from './lib/smoke-steps';

const USAGE =
  'usage: smoke --base-url URL [--token T | --token-env NAME] [--ticker AAPL] [--timeout-ms 10000]\n' +
  '  --token-env defaults to SMOKE_TOKEN; the token needs no role, its user is the smoke user';

/**
 * `npm run smoke -- --base-url …` or, from the image, `node dist/scripts/smoke.js …`: the
 * post-deploy check. One line per step with its latency; exit 1 at the first failure, naming it;
 * exit 2 when the command line itself is wrong.
 */
function optionsFromArgs(argv: string[]): SmokeOptions | string {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'base-url': { type: 'string' },
        token: { type: 'string' },
        'token-env': { type: 'string' },
        ticker: { type: 'string', default: 'AAPL' },
        'timeout-ms': { type: 'string', default: '10000' },
      },
      strict: true,
    }));
  } catch (error) {
    return (error as Error).message;
  }
  const baseUrl = values['base-url'];
  if (!baseUrl || !URL.canParse(baseUrl)) return '--base-url must be an http(s) URL';
  if (values.token !== undefined && values['token-env'] !== undefined) return 'give --token or --token-env, not both';
  const tokenEnv = values['token-env'] ?? 'SMOKE_TOKEN';
  // A token on the command line shows up in `ps`; the environment (a Secrets Manager secret) is the safer way.
  const token = values.token ?? process.env[tokenEnv];
  if (!token) return `no token: pass --token or set ${tokenEnv}`;
  const ticker = values.ticker.trim().toUpperCase();
  if (!/^[A-Z]{1,5}$/.test(ticker)) return '--ticker must be 1-5 letters';
  const timeoutMs = Number(values['timeout-ms']);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) return '--timeout-ms must be a positive integer';
  return { baseUrl, token, ticker, timeoutMs };
}

function printStep(result: StepResult): void {
  const status = result.ok ? 'ok  ' : 'FAIL';
  process.stdout.write(`smoke: ${status} ${result.name.padEnd(13)} ${String(result.ms).padStart(5)} ms  ${result.detail}\n`);
}

async function main(): Promise<number> {
  const options = optionsFromArgs(process.argv.slice(2));
  if (typeof options === 'string') {
    process.stderr.write(`smoke: ${options}\n${USAGE}\n`);
    return 2;
  }
  let failed: string | undefined;
  const passed = await runSmoke(options, (result) => {
    printStep(result);
    if (!result.ok) failed = result.name;
  });
  process.stdout.write(passed ? `smoke: passed against ${options.baseUrl}\n` : `smoke: failed at step ${failed}\n`);
  return passed ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`smoke: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
