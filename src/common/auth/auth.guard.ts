import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthenticatedError } from '../errors/common.errors';
import { AuthenticatedRequest, IS_PUBLIC, REQUIRED_ROLE } from './auth.decorators';
import { TokenVerifier } from './token-verifier';

// RFC 7235: the scheme name is case-insensitive.
const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;

/** Global guard: every route needs a bearer token unless marked `@Public()`. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const match = BEARER.exec(req.headers.authorization ?? '');
    if (!match) throw new UnauthenticatedError();
    const user = await this.verifier.verify(match[1]);
    req.user = user;

    const role = this.reflector.getAllAndOverride<string | undefined>(REQUIRED_ROLE, targets);
    if (role !== undefined && !user.roles.includes(role)) throw new ForbiddenError();
    return true;
  }
}
