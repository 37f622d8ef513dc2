import { Global, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AuthGuard } from './auth/auth.guard';
import { TokenVerifier } from './auth/token-verifier';
import { AppExceptionFilter } from './http/app-exception.filter';
import { JsonBodyMiddleware } from './http/body-parser.middleware';
import { RequestContextMiddleware } from './http/request-context.middleware';
import { StrictValidationPipe } from './http/validation.pipe';
import { HttpMetricsMiddleware } from '../observability/http-metrics.middleware';
import { MetricsRegistry } from '../observability/metrics.registry';

/** The HTTP pipeline every route shares; registered as APP_* providers so tests get it too. */
@Global()
@Module({
  providers: [
    MetricsRegistry,
    TokenVerifier,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_FILTER, useClass: AppExceptionFilter },
    { provide: APP_PIPE, useClass: StrictValidationPipe },
  ],
  exports: [MetricsRegistry],
})
export class CommonModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // The context (and so the request's deadline) starts once the body has been read: a slow
    // client must not spend the budget of the dependency calls made on its behalf.
    consumer.apply(HttpMetricsMiddleware, JsonBodyMiddleware, RequestContextMiddleware).forRoutes('*');
  }
}
