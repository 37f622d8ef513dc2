// First: instrumentation patches only the modules loaded after it (a no-op without OTEL_EXPORTER_OTLP_ENDPOINT).
import { stopTracing } from './observability/tracing/start-tracing';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { APP_OPTIONS, configureApp, configureHttpServer } from './app.setup';
import { InvalidEnvironmentError, loadSettingsFromEnvironment, Settings } from './config/settings';

function settingsOrExit(): Settings {
  try {
    return loadSettingsFromEnvironment();
  } catch (error) {
    if (!(error instanceof InvalidEnvironmentError)) throw error;
    for (const problem of error.problems) process.stderr.write(`config error: ${problem}\n`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const settings = settingsOrExit();
  const app = await NestFactory.create(AppModule, APP_OPTIONS);
  configureApp(app);
  configureHttpServer(app.getHttpServer() as Server, settings);
  await app.listen(settings.port);
  const logger = app.get(Logger);
  logger.log(`market-dashboard-api listening on port ${settings.port}`);

  const server = app.getHttpServer() as Server;
  let stopping = false;
  /**
   * One budget for the whole stop: in-flight requests get most of it, shutdown hooks (flushing
   * pending cache writes) the rest, and the process never outlives it.
   */
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const grace = settings.shutdownGraceMs;
    logger.log(`${signal}: shutting down; no new connections, finishing in-flight requests`);
    setTimeout(() => {
      logger.error(`shutdown did not finish within ${grace} ms; exiting`);
      process.exit(1);
    }, grace).unref();
    const force = setTimeout(() => {
      logger.warn('drain time over: closing remaining connections');
      server.closeAllConnections();
    }, settings.shutdownDrainMs);
    // Idle keep-alive sockets would hold close() open; in-flight ones become idle when they finish.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    try {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      clearInterval(sweep);
      clearTimeout(force);
      await app.close();
      await stopTracing();
      logger.log('shutdown complete');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
}

void main();
