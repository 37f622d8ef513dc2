import { bootstrapAwsResources } from './local-stack/bootstrap';
import { awsTargetFromEnv } from './local-stack/target-from-env';

/**
 * `npm run db:init`: creates the tables, TTL, bucket and (when absent) the ticker list named by the
 * service's environment. Safe to re-run; `--force-ticker-list` replaces an existing list.
 */
async function main(): Promise<number> {
  const parsed = awsTargetFromEnv(process.env);
  if (!parsed.ok) {
    for (const problem of parsed.problems) process.stderr.write(`db-init: ${problem}\n`);
    return 1;
  }
  const { target } = parsed;
  const summary = await bootstrapAwsResources(target, {
    forceTickerList: process.argv.includes('--force-ticker-list'),
  });
  const where = [target.dynamodbEndpoint, target.s3Endpoint].filter(Boolean).join(', ') || `AWS ${target.region}`;
  process.stdout.write(
    `db-init: ready on ${where} — tables created [${summary.tablesCreated.join(', ')}], ` +
      `existing [${summary.tablesExisting.join(', ')}]; bucket ${target.bucket} ` +
      `${summary.bucketCreated ? 'created' : 'existing'}; ticker list s3://${target.bucket}/${target.tickerListKey} ` +
      `${summary.tickerListUploaded ? 'uploaded' : 'kept'}\n`,
  );
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    process.stderr.write(`db-init: failed — ${detail}\n`);
    process.exitCode = 1;
  },
);
