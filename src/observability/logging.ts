import type { Params } from 'nestjs-pino';
import type { Request, Response } from 'express';
import { Settings } from '../config/settings';
import { requestIdOf } from '../common/http/request-id';
import { routeOf } from './http-metrics.middleware';

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
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["x-api-key"]',
          'res.headers["set-cookie"]',
          '*.apiKey',
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

const SECRET_QUERY_PARAMS = /([?&](?:token|api_key|apikey|key)=)[^&]*/gi;

export function redactQuery(url: string): string {
  return url.replace(SECRET_QUERY_PARAMS, '$1[redacted]');
}
