import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { APP_OPTIONS, configureApp } from './app.setup';
import { InvalidEnvironmentError, loadSettings, Settings } from './config/settings';

function settingsOrExit(): Settings {
  try {
    return loadSettings(process.env);
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
  await app.listen(settings.port);
  const logger = app.get(Logger);
  logger.log(`market-dashboard-api listening on port ${settings.port}`);

  const server = app.getHttpServer() as Server;
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: shutting down; no new connections, finishing in-flight requests`);
    const force = setTimeout(() => {
      logger.warn('grace period over: closing remaining connections');
      server.closeAllConnections();
    }, settings.shutdownGraceMs);
    // Idle keep-alive sockets would hold close() open; in-flight ones become idle when they finish.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    clearInterval(sweep);
    clearTimeout(force);
    await app.close();
    logger.log('shutdown complete');
    process.exit(0);
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
}

void main();
