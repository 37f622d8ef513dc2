import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

/** Probes and scrapes arrive every few seconds and say nothing about user requests. */
const UNTRACED_PATHS = /^\/(health\/|metrics(\?|$))/;

export interface TracingOptions {
  /** The OTLP base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`); traces go to `{endpoint}/v1/traces`. */
  readonly endpoint: string;
  readonly serviceName: string;
}

/**
 * Registers the tracer provider (OTLP over HTTP, batched), the W3C `traceparent` propagator and
 * the instrumentations: incoming and outgoing HTTP, each AWS SDK command (DynamoDB, S3), `fetch`
 * (the providers' calls, which also carries `traceparent` to them), and pino, which adds
 * `trace_id`/`span_id` to every log line written inside a span. Returns the flush-and-stop hook.
 */
export function startTracing(options: TracingOptions): () => Promise<void> {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: tracesUrl(options.endpoint) }) })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.test(req.url ?? '') }),
      new AwsInstrumentation({ suppressInternalInstrumentation: true }),
      // Finnhub's token travels in the query string: spans keep the path only.
      new UndiciInstrumentation({ startSpanHook: (request) => withoutQuery(request.origin, request.path) }),
      new PinoInstrumentation({ disableLogSending: true }),
    ],
  });
  return () => provider.shutdown();
}

function withoutQuery(origin: string, path: string): Record<string, string> {
  const queryAt = path.indexOf('?');
  if (queryAt < 0) return {};
  return { 'url.full': `${origin}${path.slice(0, queryAt)}`, 'url.query': '[redacted]' };
}

function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}
