/**
 * Imported first by main.ts, before Nest, pino or the AWS SDK are loaded: instrumentation can only
 * patch modules required after it is registered. Without OTEL_EXPORTER_OTLP_ENDPOINT nothing of
 * the OpenTelemetry SDK is loaded at all; `@opentelemetry/api` (used by the provider span and the
 * resilience span events) then hands out no-op spans.
 *
 * This reads process.env itself, not through Settings: it has to run before anything Settings
 * imports is loaded. An invalid URL is left for Settings to report at start.
 */
let stop: (() => Promise<void>) | undefined;

const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
if (endpoint && URL.canParse(endpoint)) {
  // A deferred require, so the SDK is never loaded when tracing is off.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('./tracing-sdk') as typeof import('./tracing-sdk');
  stop = sdk.startTracing({ endpoint, serviceName: process.env.OTEL_SERVICE_NAME?.trim() || 'market-dashboard-api' });
}

/** At shutdown an unreachable collector must not hold the exit past the shutdown grace. */
const FLUSH_LIMIT_MS = 2000;

/** Exports the spans still buffered (at most FLUSH_LIMIT_MS); called once at shutdown. A no-op when tracing is off. */
export async function stopTracing(): Promise<void> {
  if (!stop) return;
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, FLUSH_LIMIT_MS).unref()));
  await Promise.race([stop().catch(() => undefined), limit]);
  clearTimeout(timer);
}
