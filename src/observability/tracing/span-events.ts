import { trace, type Attributes } from '@opentelemetry/api';

/**
 * Adds an event to the span of the current request, e.g. a retry or a breaker rejection. Without
 * tracing (or outside a request) there is no recording span and this does nothing.
 */
export function recordSpanEvent(name: string, attributes: Attributes): void {
  const span = trace.getActiveSpan();
  if (span?.isRecording()) span.addEvent(name, attributes);
}
