import { signCompactJws } from './compact-jws';
import { CryptoErrorCode } from './crypto-error';
import { issueInstitutionToken } from './institution-token';
import { signPermit, verifyPermit, type Permit } from './permit';
import { generateSealingKeyPair } from './sealed-box';
import { generateSigningKeyPair } from './signing-keys';

const accessControl = generateSigningKeyPair();
const impostor = generateSigningKeyPair();
const permit: Permit = {
  decisionId: 'dec-0001',
  requester: { institution: 'org-south', practitioner: 'prac-0001' },
  patient: 'p-synthetic000000000000000000000a',
  resourceTypes: ['Observation', 'Condition'],
  purpose: 'TREAT',
  deIdentify: false,
  replyKeyId: generateSealingKeyPair().keyId,
  expiresAt: '2026-03-01T10:05:00.500Z',
};
const beforeExpiry = new Date('2026-03-01T10:00:00.000Z');

const tamperPayload = (token: string, patch: Partial<Permit>) => {
  const [header, payload, signature] = token.split('.');
  const claims = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), ...patch };
  return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
};

describe('permits', () => {
  it('round-trips a permit signed by access control', () => {
    const token = signPermit(accessControl.privateKey, permit);
    expect(verifyPermit(accessControl.publicKey, token, beforeExpiry)).toEqual({ ok: true, permit });
  });

  it.each<[string, () => string, Date, string]>([
    ['expired to the millisecond', () => signPermit(accessControl.privateKey, permit), new Date('2026-03-01T10:05:00.500Z'), 'expired'],
    ['long expired', () => signPermit(accessControl.privateKey, permit), new Date('2026-03-02T00:00:00.000Z'), 'expired'],
    ['signed by another key', () => signPermit(impostor.privateKey, permit), beforeExpiry, 'bad-signature'],
    [
      'with a tampered patient',
      () => tamperPayload(signPermit(accessControl.privateKey, permit), { patient: 'p-synthetic000000000000000000000b' }),
      beforeExpiry,
      'bad-signature',
    ],
    [
      'redirected to another reply key',
      () => tamperPayload(signPermit(accessControl.privateKey, permit), { replyKeyId: generateSealingKeyPair().keyId }),
      beforeExpiry,
      'bad-signature',
    ],
    ['not a JWS', () => 'not-a-token', beforeExpiry, 'malformed'],
    [
      'unsigned (alg none)',
      () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.`,
      beforeExpiry,
      'malformed',
    ],
    [
      'an institution token presented as a permit',
      () => issueInstitutionToken(accessControl.privateKey, { institution: 'org-south', ttlSeconds: 60 }, beforeExpiry),
      beforeExpiry,
      'malformed',
    ],
    [
      'a signed payload without a patient',
      () =>
        signCompactJws(
          accessControl.privateKey,
          { typ: 'medshare-permit+jwt' },
          { ...permit, patient: undefined, jti: 'dec-0001', exp: Math.floor(Date.parse(permit.expiresAt) / 1000) },
        ),
      beforeExpiry,
      'malformed',
    ],
    [
      'a signed payload not bound to a reply key',
      () =>
        signCompactJws(
          accessControl.privateKey,
          { typ: 'medshare-permit+jwt' },
          { ...permit, replyKeyId: undefined, jti: 'dec-0001', exp: Math.floor(Date.parse(permit.expiresAt) / 1000) },
        ),
      beforeExpiry,
      'malformed',
    ],
    [
      'a jti that is not the decision id',
      () =>
        signCompactJws(
          accessControl.privateKey,
          { typ: 'medshare-permit+jwt' },
          { ...permit, jti: 'dec-9999', exp: Math.floor(Date.parse(permit.expiresAt) / 1000) },
        ),
      beforeExpiry,
      'malformed',
    ],
  ])('refuses a permit %s', (_case, makeToken, now, reason) => {
    expect(verifyPermit(accessControl.publicKey, makeToken(), now)).toMatchObject({ ok: false, reason });
  });

  it.each<[string, Permit]>([
    ['no resource types', { ...permit, resourceTypes: [] }],
    ['an expiry without offset', { ...permit, expiresAt: '2026-03-01T10:05:00' }],
    ['an unknown field', { ...permit, extra: 1 } as Permit],
    ['no reply key id', { ...permit, replyKeyId: undefined } as unknown as Permit],
    ['a reply key id that is a raw key, not its sealingKeyId', { ...permit, replyKeyId: generateSealingKeyPair().publicKeyB64 }],
  ])('refuses to sign a permit with %s', (_case, bad) => {
    expect(() => signPermit(accessControl.privateKey, bad)).toThrow(expect.objectContaining({ code: CryptoErrorCode.InvalidInput }));
  });
});
