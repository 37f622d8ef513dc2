import { DevConsole } from './lib/dev-console';
import { startLocalEnvironment } from './local-stack/local-environment';

/**
 * `npm run dev`: the whole service on this machine with no cloud access. Prices come from the
 * market-data simulator, not from Tiingo or Finnhub. The API's JSON logs are shown through the
 * dev console (pino-pretty); the `ready:` line comes after every start-up line, so scripts can
 * wait for it.
 */
async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  const devConsole = new DevConsole();
  const listening = devConsole.waitFor((line) => String(line.msg).includes('listening on port'));
  const local = await startLocalEnvironment({
    port,
    apiEnv: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' },
    apiOutput: 'pipe',
    onApiStarted: (api) => devConsole.attach(api.stdout!),
  });

  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await local.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  local.api.once('exit', (code) => {
    if (!stopping) {
      console.error(`dev: the API exited (code ${code}); stopping the local stack`);
      void stop(code ?? 1);
    }
  });

  await listening;
  devConsole.markStarted();
  console.log(
    `ready: API ${local.apiUrl} | docs ${local.apiUrl}/docs | DynamoDB ${local.dynamodbEndpoint} | ` +
      `S3 ${local.s3Endpoint} | market data (simulated) ${local.simulator.url} | ` +
      `token (dev-user, admin): ${local.token}`,
  );
}

main().catch((error: unknown) => {
  console.error(`dev: could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
