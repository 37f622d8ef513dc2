import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

const tracer = trace.getTracer('market-dashboard-api');

/**
 * One span per provider call, named for the provider and carrying the path but never the query
 * (Finnhub's token is in it). The fetch instrumentation adds its HTTP client span beneath it and
 * sends `traceparent` to the provider. With tracing off the tracer is a no-op.
 */
export function withProviderSpan<T>(provider: string, url: URL, call: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(
    `${provider} GET`,
    { kind: SpanKind.CLIENT, attributes: { 'market_data.provider': provider, 'url.path': url.pathname, 'server.address': url.hostname } },
    async (span) => {
      try {
        return await call();
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).name });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
