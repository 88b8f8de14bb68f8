// Which tokens pass, and whether a refusal is "who are you?" (401) or "you may not" (403).
import { sign } from 'node:crypto';
import { DevKeyring, issueInstitutionToken } from '@medshare/crypto';
import type { RegisteredPractitioner } from '@medshare/consent';
import { AccessControlErrorCode } from '../access-control-error';
import { AuthenticationRefusal, RequesterAuthenticator } from './requester-authenticator';

const NOW = new Date('2025-06-15T10:00:00Z');
const keyring = new DevKeyring('unit-test-seed', ['hosp-a', 'hosp-b', 'rogue']);
const trusted = { publicKeyOf: (id: string) => (id === 'rogue' ? undefined : keyring.publicKeyOf(id)) };
const practitioners = new Map<string, RegisteredPractitioner>([
  ['pr-dr-a', { institution: 'hosp-a', role: 'physician' }],
  ['pr-admin-a', { institution: 'hosp-a', role: 'admin' }],
]);
/** Stands in for ClientIds.practitioner: registrations and decisions only ever see the platform's name. */
const platformName = (id: string) => `pr-${id}`;
const authenticator = new RequesterAuthenticator(trusted, practitioners, platformName);

function token(signer: string, claims: { institution?: string; practitioner?: string; role?: string; ttlSeconds?: number }, issuedAt = NOW): string {
  const raw = issueInstitutionToken(
    keyring.privateKeyOf(signer),
    {
      institution: claims.institution ?? signer,
      ttlSeconds: claims.ttlSeconds ?? 300,
      ...(claims.practitioner && { practitioner: claims.practitioner }),
      ...(claims.role && { role: claims.role }),
    },
    issuedAt,
  );
  if (claims.institution === undefined || claims.institution === signer) return raw;
  // Re-sign a token whose kid names the signer but whose iss claims another institution.
  const [, payload] = raw.split('.');
  const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: 'medshare-institution+jwt', kid: signer })).toString('base64url');
  const signature = sign(null, Buffer.from(`${header}.${payload}`), keyring.privateKeyOf(signer)).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

describe('RequesterAuthenticator.practitioner', () => {
  it('accepts a registered practitioner with their registered role', () => {
    expect(authenticator.practitioner(`Bearer ${token('hosp-a', { practitioner: 'dr-a', role: 'physician' })}`, NOW)).toEqual({
      institution: 'hosp-a',
      practitioner: 'pr-dr-a',
      role: 'physician',
    });
  });

  it.each<[string, string | undefined, AccessControlErrorCode]>([
    ['no header', undefined, AccessControlErrorCode.Unauthenticated],
    ['not a bearer token', 'Basic abc', AccessControlErrorCode.Unauthenticated],
    ['garbage', 'Bearer not.a.token', AccessControlErrorCode.Unauthenticated],
    ['an unknown issuer', `Bearer ${token('rogue', { practitioner: 'dr-a', role: 'physician' })}`, AccessControlErrorCode.Unauthenticated],
    [
      'an expired token',
      `Bearer ${token('hosp-a', { practitioner: 'dr-a', role: 'physician', ttlSeconds: 60 }, new Date(NOW.getTime() - 120_000))}`,
      AccessControlErrorCode.Unauthenticated,
    ],
    ['a forged signature', `Bearer ${token('hosp-a', { practitioner: 'dr-a', role: 'physician' }).slice(0, -4)}AAAA`, AccessControlErrorCode.Unauthenticated],
    [
      'one institution signing as another',
      `Bearer ${token('hosp-b', { institution: 'hosp-a', practitioner: 'dr-a', role: 'physician' })}`,
      AccessControlErrorCode.Forbidden,
    ],
    ['a role that is not the registered one', `Bearer ${token('hosp-a', { practitioner: 'dr-a', role: 'nurse' })}`, AccessControlErrorCode.Forbidden],
    ['a practitioner registered elsewhere', `Bearer ${token('hosp-b', { practitioner: 'dr-a', role: 'physician' })}`, AccessControlErrorCode.Forbidden],
    ['an unregistered practitioner', `Bearer ${token('hosp-a', { practitioner: 'dr-x', role: 'physician' })}`, AccessControlErrorCode.Forbidden],
    ['an institution system token', `Bearer ${token('hosp-a', {})}`, AccessControlErrorCode.Forbidden],
  ])('refuses %s', (_name, header, code) => {
    let refusal: unknown;
    try {
      authenticator.practitioner(header, NOW);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(AuthenticationRefusal);
    expect((refusal as AuthenticationRefusal).code).toBe(code);
  });
});

describe('RequesterAuthenticator.institutionActor', () => {
  it.each<[string, string, string | null]>([
    ['the institution system', token('hosp-a', {}), null],
    ['a registered admin', token('hosp-a', { practitioner: 'admin-a', role: 'admin' }), null],
    ['a physician', token('hosp-a', { practitioner: 'dr-a', role: 'physician' }), AccessControlErrorCode.Forbidden],
  ])('%s', (_name, raw, refused) => {
    const act = () => authenticator.institutionActor(`Bearer ${raw}`, NOW);
    if (refused === null) expect(act().institution).toBe('hosp-a');
    else expect(act).toThrow(AuthenticationRefusal);
  });
});
