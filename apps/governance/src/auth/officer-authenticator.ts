// Who is asking, from the request: the operator's bearer token, an institution-signed token of a privacy
// officer (the tokens the other services take), or the dashboard's session cookie.
import type { Request } from 'express';
import { pseudonymise, verifyInstitutionToken, type InstitutionKeyring, type PseudonymKey } from '@medshare/crypto';
import type { BearerTokens } from '@medshare/service-kit';
import { GovernanceError, GovernanceErrorCode } from '../http/governance-error';
import type { Officer } from './officer';
import type { OfficerSessionsRepository } from './officer-sessions.repository';

export const SESSION_COOKIE = 'medshare_gov_session';

export class OfficerAuthenticator {
  constructor(
    private readonly operatorToken: BearerTokens<'operator'>,
    private readonly keyring: InstitutionKeyring,
    private readonly pseudonymKey: PseudonymKey,
    private readonly sessions: OfficerSessionsRepository,
  ) {}

  /** The officer, or a 401 (nobody proven) / 403 (someone proven, but not an officer). */
  async authenticate(request: Request): Promise<Officer> {
    const authorization = request.header('authorization');
    if (authorization !== undefined) return this.bearer(authorization);
    const cookie = cookieOf(request, SESSION_COOKIE);
    const officer = cookie === undefined ? undefined : await this.sessions.find(cookie);
    if (officer === undefined) throw new GovernanceError(GovernanceErrorCode.Unauthenticated, 'sign in (a session) or a Bearer token is required');
    return officer;
  }

  private bearer(authorization: string): Officer {
    if (this.operatorToken.roleOf(authorization) === 'operator') return { role: 'platform-operator', subject: 'operator-token', via: { kind: 'bearer' } };
    const token = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(authorization)?.[1];
    const verified = token === undefined ? undefined : verifyInstitutionToken(this.keyring, token, new Date());
    if (verified === undefined || (!verified.ok && verified.reason !== 'issuer-mismatch')) {
      throw new GovernanceError(GovernanceErrorCode.Unauthenticated, `token rejected (${verified?.reason ?? 'not a Bearer token'})`);
    }
    if (!verified.ok) throw new GovernanceError(GovernanceErrorCode.Forbidden, 'token rejected: signed by one institution, claiming another');
    const { institution, practitioner, role } = verified.identity;
    if (role !== 'privacy-officer' || practitioner === undefined) {
      throw new GovernanceError(GovernanceErrorCode.Forbidden, 'governance answers privacy officers (token role privacy-officer) and the platform operator');
    }
    // The practitioner id is the institution's own: it is kept only as the name access control gives it.
    const subject = `${institution}:pr-${pseudonymise(this.pseudonymKey, 'urn:medshare:client-name:practitioner', practitioner, 'medshare').slice('p-'.length)}`;
    return { role: 'privacy-officer', institution, subject, via: { kind: 'bearer' } };
  }
}

/** One cookie's value from the Cookie header (no parser middleware: this is the only cookie read). */
export function cookieOf(request: Request, name: string): string | undefined {
  for (const part of (request.header('cookie') ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=') || undefined;
  }
  return undefined;
}
