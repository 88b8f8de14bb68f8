import { signCompactJws } from './compact-jws';
import { CryptoErrorCode } from './crypto-error';
import { issueInstitutionToken, verifyInstitutionToken, type InstitutionTokenRequest } from './institution-token';
import { DevKeyring, generateSigningKeyPair, staticInstitutionKeyring } from './signing-keys';

const keyring = new DevKeyring('medshare-dev-seed-for-tests', ['org-north', 'org-south']);
const now = new Date('2026-03-01T10:00:00.000Z');
const secondsAfter = (seconds: number) => new Date(now.getTime() + seconds * 1000);
const north = keyring.privateKeyOf('org-north');

/** Tokens the issuer would never make: built by hand to prove the verifier refuses them. */
const handMade = (claims: Record<string, unknown>, kid: string) => signCompactJws(north, { typ: 'medshare-institution+jwt', kid }, claims);
const validClaims = (iss: string) => ({
  iss,
  sub: 'Practitioner/prac-0001',
  aud: 'medshare',
  iat: now.getTime() / 1000,
  exp: now.getTime() / 1000 + 300,
  jti: 'tok-1',
});

describe('institution tokens', () => {
  it.each<[string, InstitutionTokenRequest, object]>([
    [
      'a practitioner with a role',
      { institution: 'org-north', practitioner: 'prac-0001', role: 'physician', ttlSeconds: 300 },
      { institution: 'org-north', practitioner: 'prac-0001', role: 'physician' },
    ],
    ['the institution system itself', { institution: 'org-north', ttlSeconds: 300 }, { institution: 'org-north' }],
  ])('round-trips a token for %s', (_case, request, identity) => {
    const token = issueInstitutionToken(north, request, now);
    const result = verifyInstitutionToken(keyring, token, secondsAfter(10));
    expect(result).toEqual({ ok: true, identity: { ...identity, tokenId: expect.any(String), expiresAt: secondsAfter(300) } });
  });

  it.each<[string, () => string, Date, string]>([
    ['expired at exp', () => issueInstitutionToken(north, { institution: 'org-north', ttlSeconds: 300 }, now), secondsAfter(300), 'expired'],
    [
      'of an unknown issuer',
      () => issueInstitutionToken(generateSigningKeyPair().privateKey, { institution: 'org-east', ttlSeconds: 300 }, now),
      now,
      'unknown-issuer',
    ],
    ['forged: signed by org-north with the kid and iss of org-south', () => handMade(validClaims('org-south'), 'org-south'), now, 'bad-signature'],
    [
      'whose iss differs from its signing key (org-north claiming org-south)',
      () => handMade(validClaims('org-north'.replace('north', 'south')), 'org-north'),
      now,
      'issuer-mismatch',
    ],
    [
      'with a tampered subject',
      () => {
        const [h, p, s] = issueInstitutionToken(north, { institution: 'org-north', practitioner: 'prac-0001', ttlSeconds: 300 }, now).split('.');
        const claims = { ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'Practitioner/prac-0002' };
        return [h, Buffer.from(JSON.stringify(claims)).toString('base64url'), s].join('.');
      },
      now,
      'bad-signature',
    ],
    ['for another audience', () => handMade({ ...validClaims('org-north'), aud: 'elsewhere' }, 'org-north'), now, 'wrong-audience'],
    ['without exp', () => handMade({ ...validClaims('org-north'), exp: undefined }, 'org-north'), now, 'malformed'],
    [
      'living longer than 24 h',
      () => handMade({ ...validClaims('org-north'), iat: now.getTime() / 1000 - 90_000, exp: now.getTime() / 1000 + 60 }, 'org-north'),
      now,
      'expired',
    ],
    ['without kid', () => signCompactJws(north, { typ: 'medshare-institution+jwt' }, validClaims('org-north')), now, 'malformed'],
    [
      'issued in the future',
      () => handMade({ ...validClaims('org-north'), iat: now.getTime() / 1000 + 3600, exp: now.getTime() / 1000 + 7200 }, 'org-north'),
      now,
      'malformed',
    ],
    [
      'with a subject that is neither practitioner nor its own system',
      () => handMade({ ...validClaims('org-north'), sub: 'Organization/org-south' }, 'org-north'),
      now,
      'malformed',
    ],
    ['of garbage', () => 'Bearer nonsense', now, 'malformed'],
  ])('refuses a token %s', (_case, makeToken, at, reason) => {
    expect(verifyInstitutionToken(keyring, makeToken(), at)).toMatchObject({ ok: false, reason });
  });

  it.each<[string, InstitutionTokenRequest]>([
    ['a TTL above 24 h', { institution: 'org-north', ttlSeconds: 86_401 }],
    ['a zero TTL', { institution: 'org-north', ttlSeconds: 0 }],
    ['an empty practitioner', { institution: 'org-north', practitioner: '', ttlSeconds: 60 }],
  ])('refuses to issue a token with %s', (_case, request) => {
    expect(() => issueInstitutionToken(north, request, now)).toThrow(expect.objectContaining({ code: CryptoErrorCode.InvalidInput }));
  });

  it('verifies against configured public keys as well as the dev keyring', () => {
    const pair = generateSigningKeyPair();
    const token = issueInstitutionToken(pair.privateKey, { institution: 'org-west', ttlSeconds: 60 }, now);
    const configured = staticInstitutionKeyring(new Map([['org-west', pair.publicKey]]));
    expect(verifyInstitutionToken(configured, token, now)).toMatchObject({ ok: true, identity: { institution: 'org-west' } });
  });
});

describe('a token verified before', () => {
  const physician = { institution: 'org-north', practitioner: 'prac-0001', role: 'physician', ttlSeconds: 300 };
  let signatureChecks: jest.SpyInstance;
  // The module object itself (an `import * as` is a copy under swc): compact-jws calls its verify.
  beforeEach(() => (signatureChecks = jest.spyOn(jest.requireActual<typeof import('node:crypto')>('node:crypto'), 'verify')));
  afterEach(() => signatureChecks.mockRestore());

  it('skips the signature check when the same bytes come again under the same key, and still checks the claims', () => {
    const token = issueInstitutionToken(north, physician, now);
    for (const seconds of [1, 10, 299]) expect(verifyInstitutionToken(keyring, token, secondsAfter(seconds))).toMatchObject({ ok: true });
    expect(verifyInstitutionToken(keyring, token, secondsAfter(300))).toMatchObject({ ok: false, reason: 'expired' });
    expect(signatureChecks).toHaveBeenCalledTimes(1);
  });

  it('checks again a token that did not verify, one that differs by a byte, and one under a rotated key', () => {
    const token = issueInstitutionToken(north, physician, now);
    const [header, payload, signature] = token.split('.');
    const forged = [header, payload, `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`].join('.');
    for (let round = 0; round < 2; round += 1) expect(verifyInstitutionToken(keyring, forged, now)).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(verifyInstitutionToken(keyring, token, now)).toMatchObject({ ok: true });
    const rotated = staticInstitutionKeyring(new Map([['org-north', generateSigningKeyPair().publicKey]]));
    expect(verifyInstitutionToken(rotated, token, now)).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(signatureChecks).toHaveBeenCalledTimes(4);
  });
});

describe('DevKeyring (dev only)', () => {
  const spki = (key: ReturnType<DevKeyring['privateKeyOf']> | undefined) => key?.export({ format: 'der', type: 'spki' }).toString('hex');

  it('derives the same keys from the same seed in every process', () => {
    const again = new DevKeyring('medshare-dev-seed-for-tests', ['org-north']);
    expect(spki(again.publicKeyOf('org-north'))).toBe(spki(keyring.publicKeyOf('org-north')));
  });

  it.each<[string, string | undefined, string | undefined]>([
    ['two institutions', spki(keyring.publicKeyOf('org-north')), spki(keyring.publicKeyOf('org-south'))],
    ['two seeds', spki(keyring.publicKeyOf('org-north')), spki(new DevKeyring('another-seed', ['org-north']).publicKeyOf('org-north'))],
  ])('gives different keys to %s', (_case, a, b) => {
    expect(a).toBeDefined();
    expect(a).not.toBe(b);
  });

  it('knows only the names it was given', () => {
    expect(keyring.publicKeyOf('org-east')).toBeUndefined();
    expect(() => keyring.privateKeyOf('org-east')).toThrow(expect.objectContaining({ code: CryptoErrorCode.InvalidInput }));
  });
});
