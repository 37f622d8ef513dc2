import type { Params } from 'nestjs-pino';
import type { Request, Response } from 'express';
import { Settings } from '../config/settings';
import { requestIdOf } from '../common/http/request-id';
import { routeOf } from './http-metrics.middleware';
import { redactFields } from './redact-fields';
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
      // Credentials inside logged objects (an error with its request, a logged request). The
      // req/res serializers below log no headers at all.
      formatters: { log: redactFields },
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
