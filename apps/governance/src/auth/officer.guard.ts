// Every governance API requires an officer: the guard authenticates the request, checks the role the handler
// allows (both by default) and, for a state change made with the session cookie, the CSRF defences.
import { createParamDecorator, Inject, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { SERVICE_CONFIG } from '@medshare/service-kit';
import { GovernanceError, GovernanceErrorCode } from '../http/governance-error';
import type { AuthConfig } from './auth-config';
import type { Officer, OfficerRole } from './officer';
import { OfficerAuthenticator } from './officer-authenticator';

export const CSRF_HEADER = 'x-csrf-token';
const ROLES = 'medshare:officer-roles';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Restricts a handler (or controller) to some officer roles. */
export const OfficerRoles = (...roles: OfficerRole[]) => SetMetadata(ROLES, roles);

type OfficerRequest = Request & { officer?: Officer };

/** The officer the guard authenticated. */
export const CurrentOfficer = createParamDecorator((_data: unknown, context: ExecutionContext): Officer => {
  const officer = context.switchToHttp().getRequest<OfficerRequest>().officer;
  if (officer === undefined) throw new Error('CurrentOfficer used on a handler without OfficerGuard');
  return officer;
});

@Injectable()
export class OfficerGuard implements CanActivate {
  constructor(
    private readonly authenticator: OfficerAuthenticator,
    private readonly reflector: Reflector,
    @Inject(SERVICE_CONFIG) private readonly config: AuthConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<OfficerRequest>();
    const officer = await this.authenticator.authenticate(request);
    const allowed = this.reflector.getAllAndOverride<OfficerRole[] | undefined>(ROLES, [context.getHandler(), context.getClass()]);
    if (allowed !== undefined && !allowed.includes(officer.role))
      throw new GovernanceError(GovernanceErrorCode.Forbidden, `only ${allowed.join(' or ')} may do this`);
    if (officer.via.kind === 'session' && !SAFE_METHODS.has(request.method)) this.checkCsrf(request, officer.via.csrfToken);
    request.officer = officer;
    return true;
  }

  /** SameSite=Strict already keeps the cookie off cross-site requests; the token and the origin hold without it. */
  private checkCsrf(request: Request, expected: string): void {
    const presented = Buffer.from(request.header(CSRF_HEADER) ?? '');
    const wanted = Buffer.from(expected);
    const origin = request.header('origin');
    if (
      presented.length !== wanted.length ||
      !timingSafeEqual(presented, wanted) ||
      (origin !== undefined && origin !== new URL(this.config.PUBLIC_URL).origin)
    ) {
      throw new GovernanceError(GovernanceErrorCode.CsrfRejected, `a state change needs the session's CSRF token in ${CSRF_HEADER} and this service's origin`);
    }
  }
}
