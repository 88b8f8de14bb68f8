// Who is asking: the institution token verified against the institutions' keys, and for practitioners the role
// they claim checked against the role their institution registered.
import { verifyInstitutionToken, type InstitutionKeyring } from '@medshare/crypto';
import type { PractitionerRole, RegisteredPractitioner } from '@medshare/consent';
import { AccessControlError, AccessControlErrorCode } from '../access-control-error';

export interface Requester {
  institution: string;
  /** Absent for an institution's own system (token subject `Organization/<institution>`). */
  practitioner?: string;
  /** The registered role, equal to the claimed one (else the token was refused). */
  role?: PractitionerRole;
}

/** A refusal, with what can be said about who was refused (never more than the verified signature tells). */
export class AuthenticationRefusal extends AccessControlError {
  constructor(
    code: AccessControlErrorCode.Unauthenticated | AccessControlErrorCode.Forbidden,
    text: string,
    readonly who: { institution: string; practitioner: string; role?: PractitionerRole },
  ) {
    super(code, text);
  }
}

/** Stands in for the requester in a denial event when the token proves nothing. */
export const UNAUTHENTICATED = 'unauthenticated';

export class RequesterAuthenticator {
  constructor(
    private readonly keyring: InstitutionKeyring,
    private readonly practitioners: ReadonlyMap<string, RegisteredPractitioner>,
    /** The platform's name of a practitioner id (ClientIds.practitioner): the only one kept anywhere. */
    private readonly platformName: (practitioner: string) => string,
  ) {}

  /** A token of a practitioner whose claimed role is the one registered at its institution. */
  practitioner(authorization: string | undefined, now: Date): Requester & { practitioner: string; role: PractitionerRole } {
    const requester = this.verify(authorization, now);
    if (requester.practitioner === undefined) {
      throw new AuthenticationRefusal(AccessControlErrorCode.Forbidden, 'reads and decisions are asked by a practitioner, not by an institution system token', {
        institution: requester.institution,
        practitioner: `Organization/${requester.institution}`,
      });
    }
    if (requester.role === undefined) throw new Error('unreachable: verify checked the role of every practitioner');
    return { ...requester, practitioner: requester.practitioner, role: requester.role };
  }

  /** The institution's own system, or one of its practitioners registered as admin. */
  institutionActor(authorization: string | undefined, now: Date): Requester {
    const requester = this.verify(authorization, now);
    if (requester.practitioner !== undefined && requester.role !== 'admin') {
      throw new AuthenticationRefusal(
        AccessControlErrorCode.Forbidden,
        `only the institution's system or one of its admins may do this, not a ${requester.role}`,
        {
          institution: requester.institution,
          practitioner: requester.practitioner,
          ...(requester.role && { role: requester.role }),
        },
      );
    }
    return requester;
  }

  private verify(authorization: string | undefined, now: Date): Requester {
    const token = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(authorization ?? '')?.[1];
    const anonymous = { institution: UNAUTHENTICATED, practitioner: UNAUTHENTICATED };
    if (token === undefined) throw new AuthenticationRefusal(AccessControlErrorCode.Unauthenticated, 'a Bearer institution token is required', anonymous);
    const verified = verifyInstitutionToken(this.keyring, token, now);
    if (!verified.ok) {
      if (verified.reason === 'issuer-mismatch') {
        // The signature verified under the signer's key: the signer is known, and it tried to act as another.
        const signer = signerOf(token);
        throw new AuthenticationRefusal(AccessControlErrorCode.Forbidden, 'token rejected: signed by one institution, claiming another', {
          institution: signer ?? UNAUTHENTICATED,
          practitioner: UNAUTHENTICATED,
        });
      }
      throw new AuthenticationRefusal(AccessControlErrorCode.Unauthenticated, `token rejected (${verified.reason})`, anonymous);
    }
    const { institution, role } = verified.identity;
    if (verified.identity.practitioner === undefined) return { institution };
    const practitioner = this.platformName(verified.identity.practitioner);
    const registered = this.practitioners.get(practitioner);
    const who = { institution, practitioner };
    if (!registered || registered.institution !== institution) {
      throw new AuthenticationRefusal(AccessControlErrorCode.Forbidden, 'the practitioner is not registered at the institution that signed the token', who);
    }
    if (role !== registered.role) {
      throw new AuthenticationRefusal(AccessControlErrorCode.Forbidden, "the token claims a role that is not the practitioner's registered role", {
        ...who,
        role: registered.role,
      });
    }
    return { institution, practitioner, role: registered.role };
  }
}

/** The header's kid, only used after the signature verified under that institution's key. */
function signerOf(token: string): string | undefined {
  try {
    const header: unknown = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'));
    const kid = (header as { kid?: unknown }).kid;
    return typeof kid === 'string' && /^[a-z0-9][a-z0-9-]{1,62}$/.test(kid) ? kid : undefined;
  } catch {
    return undefined;
  }
}
