import type { ClientRequest, IncomingMessage } from 'node:http';
import { context, propagation, trace, type Span } from '@opentelemetry/api';
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
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.test(req.url ?? ''),
        applyCustomAttributesOnSpan: nameServerSpanByRoute,
      }),
      new AwsInstrumentation({ suppressInternalInstrumentation: true }),
      // A query string may carry credentials (Finnhub's key once did): spans keep the path only.
      new UndiciInstrumentation({ startSpanHook: (request) => withoutQuery(request.origin, request.path) }),
      new PinoInstrumentation({ disableLogSending: true }),
    ],
  });
  return () => provider.shutdown();
}

/**
 * `GET /api/v2/tickers/:ticker/ohlc` rather than `GET`: the matched route pattern (the one the
 * metrics use), never the raw path. Express has set `route` and `baseUrl` by the time it finishes.
 */
function nameServerSpanByRoute(span: Span, request: ClientRequest | IncomingMessage): void {
  // Called for outgoing requests too; only an incoming one (an IncomingMessage) has httpVersion.
  if (!('httpVersion' in request)) return;
  const matched = request as IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };
  if (typeof matched.route?.path !== 'string') return;
  const route = `${matched.baseUrl ?? ''}${matched.route.path}`;
  span.setAttribute('http.route', route);
  span.updateName(`${request.method ?? 'GET'} ${route}`);
}

function withoutQuery(origin: string, path: string): Record<string, string> {
  const queryAt = path.indexOf('?');
  if (queryAt < 0) return {};
  return { 'url.full': `${origin}${path.slice(0, queryAt)}`, 'url.query': '[redacted]' };
}

function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}
