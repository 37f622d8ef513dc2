import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';

export const IS_PUBLIC = 'auth:isPublic';
export const REQUIRED_ROLE = 'auth:requiredRole';

export interface AuthenticatedUser {
  readonly sub: string;
  readonly roles: readonly string[];
}

export type AuthenticatedRequest = Request & { user?: AuthenticatedUser };

/** The route needs no token. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** The route needs a token whose roles claim (`AUTH_ROLES_CLAIM`, `roles` by default) includes `admin`. */
export const AdminOnly = (): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_ROLE, 'admin');

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthenticatedUser => {
  const user = ctx.switchToHttp().getRequest<AuthenticatedRequest>().user;
  if (!user) throw new Error('CurrentUser used on a route without authentication');
  return user;
});
