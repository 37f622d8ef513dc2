import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Server } from 'node:http';
import { Logger } from 'nestjs-pino';
import { assignRequestId } from './common/http/request-id';
import { Settings } from './config/settings';

/** Options shared by production and tests: the JSON parser is ours (see JsonBodyMiddleware). */
export const APP_OPTIONS: NestApplicationOptions = { bodyParser: false, bufferLogs: true };

export function configureApp(app: INestApplication): void {
  app.useLogger(app.get(Logger));
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  express.set('etag', false);
  // A hop count, not `true`: with `true` any client could choose its own address via X-Forwarded-For.
  express.set('trust proxy', app.get(Settings).http.trustProxyHops);
  express.use(assignRequestId);

  const config = new DocumentBuilder()
    .setTitle('market-dashboard-api')
    .setDescription('Watchlists, ticker look-up and cached OHLC candles for the market-sentiment dashboard')
    .setVersion('2')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'exp and sub (at most 128 characters) are required; aud, or client_id for tokens without aud, must name this API; admin routes need "admin" in the roles claim (AUTH_ROLES_CLAIM)',
    })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

/**
 * Socket timeouts for a service behind a load balancer: Node must keep idle sockets open longer
 * than the balancer (ALB: 60 s), or the balancer reuses a socket Node has just closed (502).
 */
export function configureHttpServer(server: Server, settings: Settings): void {
  server.keepAliveTimeout = settings.http.keepAliveTimeoutMs;
  server.headersTimeout = settings.http.headersTimeoutMs;
  // Whole request, body included: a client trickling its body cannot hold a socket for minutes.
  server.requestTimeout = settings.http.requestTimeoutMs;
}
