import type { Params } from 'nestjs-pino';
import type { Request, Response } from 'express';
import { Settings } from '../config/settings';
import { requestIdOf } from '../common/http/request-id';
import { routeOf } from './http-metrics.middleware';
import { redactQuery } from './redact-query';

/**
 * JSON logs, one completion line per request (method, route, status, latency), the request id on
 * every line, and credentials redacted wherever they could appear.
 */
export function loggerParams(settings: Settings): Params {
  return {
    pinoHttp: {
      level: settings.logLevel,
      genReqId: (req) => requestIdOf(req),
      customAttributeKeys: { reqId: 'request_id', responseTime: 'latency_ms' },
      redact: {
        // The req/res serializers below log no headers at all; these paths catch headers and
        // credentials that reach a log line some other way (an error object, a logged request).
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["x-api-key"]',
          'req.headers["x-finnhub-token"]',
          'res.headers["set-cookie"]',
          '*.headers.authorization',
          '*.headers.Authorization',
          '*.headers.cookie',
          '*.headers["x-finnhub-token"]',
          '*.headers["X-Finnhub-Token"]',
          '*.authorization',
          '*.cookie',
          '*.apiKey',
          '*.api_key',
          '*.accessToken',
          '*.access_token',
          '*.token',
          '*.secret',
        ],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: redactQuery(req.url) }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
      customSuccessObject: (req, res, value: Record<string, unknown>) => ({
        ...value,
        route: routeOf(req as Request),
        status: (res as Response).statusCode,
        // Which layer answered an OHLC request (X-Cache-Source); absent on other routes.
        cache_source: (res as Response).getHeader('x-cache-source'),
      }),
      customErrorObject: (req, res, _error, value: Record<string, unknown>) => ({
        ...value,
        route: routeOf(req as Request),
        status: (res as Response).statusCode,
      }),
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
      customSuccessMessage: () => 'request completed',
      customErrorMessage: () => 'request failed',
      quietReqLogger: true,
    },
  };
}
