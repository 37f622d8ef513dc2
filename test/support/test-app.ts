import type { INestApplication, Type } from '@nestjs/common';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import { SignJWT } from 'jose';
import { AppModule } from '../../src/app.module';
import { APP_OPTIONS, configureApp } from '../../src/app.setup';
import { Settings } from '../../src/config/settings';
import { TEST_AUTH, testSettings } from './test-settings';

// Re-exported so suites can keep importing the basics from here.
export { baseTestEnv, TEST_AUTH, testSettings } from './test-settings';

export interface TestTokenOptions {
  readonly roles?: readonly string[];
  readonly audience?: string;
  readonly issuer?: string;
  readonly expiresInSeconds?: number;
  readonly notBeforeSeconds?: number;
}

export async function signTestToken(sub: string, options: TestTokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ roles: [...(options.roles ?? [])] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(options.issuer ?? TEST_AUTH.issuer)
    .setAudience(options.audience ?? TEST_AUTH.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresInSeconds ?? 600));
  if (options.notBeforeSeconds !== undefined) jwt.setNotBefore(now + options.notBeforeSeconds);
  return jwt.sign(new TextEncoder().encode(TEST_AUTH.secret));
}

export interface TestApp {
  readonly app: INestApplication;
  readonly settings: Settings;
  /** The HTTP server, for supertest: `request(testApp.server)`. */
  readonly server: ReturnType<INestApplication['getHttpServer']>;
  bearer(sub: string, options?: TestTokenOptions): Promise<string>;
  close(): Promise<void>;
}

/**
 * The real AppModule, configured exactly as in production (same options, filter, pipe, guard),
 * with settings from `env` instead of the process environment.
 */
export async function startTestApp(
  env: Record<string, string | undefined> = {},
  extra: { controllers?: Type[]; overrides?: (builder: TestingModuleBuilder) => TestingModuleBuilder } = {},
): Promise<TestApp> {
  const settings = testSettings(env);
  const builder = Test.createTestingModule({ imports: [AppModule], controllers: extra.controllers ?? [] })
    .overrideProvider(Settings)
    .useValue(settings);
  // e.g. replacing a clock provider; applied after Settings so it could also replace those.
  const moduleRef = await (extra.overrides ? extra.overrides(builder) : builder).compile();
  const app = moduleRef.createNestApplication(APP_OPTIONS);
  configureApp(app);
  await app.init();
  return {
    app,
    settings,
    server: app.getHttpServer(),
    bearer: async (sub, options) => `Bearer ${await signTestToken(sub, options)}`,
    close: () => app.close(),
  };
}
