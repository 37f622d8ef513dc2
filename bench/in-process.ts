import 'reflect-metadata';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { findFreePort } from '../scripts/local-stack/free-port';
import { AppModule } from '../src/app.module';
import { APP_OPTIONS, configureApp } from '../src/app.setup';
import { QuotaService } from '../src/quota/quota.service';

/**
 * The service's configuration is read from process.env while the module graph is built, so the
 * bench sets the API's environment just for that and restores its own afterwards.
 */
async function withEnv<T>(env: Readonly<Record<string, string>>, build: () => Promise<T>): Promise<T> {
  const saved = new Map(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    return await build();
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** The built AppModule without HTTP, e.g. to call QuotaService directly. */
export function startAppContext(env: Readonly<Record<string, string>>): Promise<INestApplicationContext> {
  return withEnv(env, () => NestFactory.createApplicationContext(AppModule, { logger: false }));
}

export interface InProcessApp {
  readonly url: string;
  close(): Promise<void>;
}

/** Counts nothing and never denies: the API as it would be without quota tracking. */
const NO_QUOTA = {
  reserve: async (service: string, units = 1) => ({ service, units, fromFallback: false }),
  reserveAllowance: async (allowance: string) => ({ service: allowance, units: 1, fromFallback: false }),
  release: async (): Promise<void> => undefined,
};

/**
 * The AppModule served over HTTP from the bench process, configured as in production; with
 * `withoutQuota` its QuotaService is replaced by a no-op. Both variants are built the same way
 * so that only the quota differs between them.
 */
export async function startHttpApp(env: Readonly<Record<string, string>>, options: { withoutQuota?: boolean } = {}): Promise<InProcessApp> {
  const port = await findFreePort();
  const app = await withEnv({ ...env, PORT: String(port) }, async (): Promise<INestApplication> => {
    const builder = Test.createTestingModule({ imports: [AppModule] });
    const moduleRef = await (options.withoutQuota ? builder.overrideProvider(QuotaService).useValue(NO_QUOTA) : builder).compile();
    const created = moduleRef.createNestApplication(APP_OPTIONS);
    configureApp(created);
    await created.listen(port, '127.0.0.1');
    return created;
  });
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
