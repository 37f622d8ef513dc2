import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthenticatedError } from '../errors/common.errors';
import { AuthenticatedRequest, IS_PUBLIC, REQUIRED_ROLE } from './auth.decorators';
import { TokenVerifier } from './token-verifier';

// RFC 7235: the scheme name is case-insensitive.
const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;

interface RouteRule {
  readonly isPublic: boolean;
  readonly role: string | undefined;
}

/** Global guard: every route needs a bearer token unless marked `@Public()`. */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly rules = new WeakMap<object, WeakMap<object, RouteRule>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { isPublic, role } = this.ruleOf(context);
    if (isPublic) return true;

    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const match = BEARER.exec(req.headers.authorization ?? '');
    if (!match) throw new UnauthenticatedError();
    const user = await this.verifier.verify(match[1]);
    req.user = user;

    if (role !== undefined && !user.roles.includes(role)) throw new ForbiddenError();
    return true;
  }

  /** Decorator metadata is fixed once the app is built: read once per route, not per request. */
  private ruleOf(context: ExecutionContext): RouteRule {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byHandler = this.rules.get(controller);
    if (!byHandler) this.rules.set(controller, (byHandler = new WeakMap()));
    let rule = byHandler.get(handler);
    if (!rule) {
      const targets = [handler, controller];
      rule = {
        isPublic: this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) === true,
        role: this.reflector.getAllAndOverride<string | undefined>(REQUIRED_ROLE, targets),
      };
      byHandler.set(handler, rule);
    }
    return rule;
  }
}
