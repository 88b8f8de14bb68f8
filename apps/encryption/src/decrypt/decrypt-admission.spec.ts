import { generateSealingKeyPair, generateSigningKeyPair, signPermit, type Permit } from '@medshare/crypto';
import { admitDecryptRequest } from './decrypt-admission';

const accessControl = generateSigningKeyPair();
const impostor = generateSigningKeyPair();
const now = new Date('2026-03-01T10:00:00.000Z');
const replyKeyPair = generateSealingKeyPair();
const replyKey = replyKeyPair.publicKeyB64;
const permit: Permit = {
  decisionId: 'dec-0001',
  requester: { institution: 'hosp-b', practitioner: 'prac-0001' },
  patient: 'p-abcdefghijklmnop234567',
  resourceTypes: ['Observation'],
  purpose: 'TREAT',
  replyKeyId: replyKeyPair.keyId,
  expiresAt: '2026-03-01T10:05:00.000Z',
};
const request = (overrides: Partial<Permit> = {}, options: { signer?: typeof accessControl; replyKey?: string } = {}) => ({
  permit: signPermit((options.signer ?? accessControl).privateKey, { ...permit, ...overrides }),
  replyKey: options.replyKey ?? replyKey,
});

describe('admitting a decrypt request', () => {
  it('admits a permit signed by access control, unexpired, for a pseudonym, with the raw X25519 reply key it names', () => {
    const admission = admitDecryptRequest(accessControl.publicKey, request(), now);
    expect(admission).toEqual({ admitted: true, permit, replyKey: Buffer.from(replyKey, 'base64') });
  });

  it.each<[string, { permit: string; replyKey: string }, Date, string, boolean]>([
    ['a permit signed by another key is refused before its claims are trusted', request({}, { signer: impostor }), now, 'permit bad-signature', false],
    ['a permit at its expiry instant is expired', request(), new Date(permit.expiresAt), 'permit expired', false],
    ['a permit long expired is expired', request(), new Date('2026-03-02T00:00:00.000Z'), 'permit expired', false],
    ['a token that is no JWS is malformed', { permit: 'not-a-permit', replyKey }, now, 'permit malformed', false],
    ['a permit naming a raw identifier instead of a pseudonym is refused', request({ patient: 'MRN-12345' }), now, 'permit names no patient pseudonym', true],
    [
      'a permit naming an upper-case look-alike pseudonym is refused',
      request({ patient: 'p-ABCDEFGHIJKLMNOP' }),
      now,
      'permit names no patient pseudonym',
      true,
    ],
    [
      'a reply key one byte short is refused',
      request({}, { replyKey: Buffer.alloc(31, 7).toString('base64') }),
      now,
      'replyKey is not a raw X25519 public key',
      true,
    ],
    [
      'a reply key in SPKI form (44 bytes) is refused',
      request({}, { replyKey: Buffer.alloc(44, 7).toString('base64') }),
      now,
      'replyKey is not a raw X25519 public key',
      true,
    ],
    [
      'a valid permit presented with another reply key is refused (the reply cannot be redirected)',
      request({}, { replyKey: generateSealingKeyPair().publicKeyB64 }),
      now,
      'replyKey is not the reply key the permit names',
      true,
    ],
  ])('%s', (_case, decryptRequest, at, reason, namesPermit) => {
    const admission = admitDecryptRequest(accessControl.publicKey, decryptRequest, at);
    expect(admission).toMatchObject({ admitted: false, reason });
    // The permit goes on the governance alert only once its signature was checked.
    expect('permit' in admission && admission.permit !== undefined).toBe(namesPermit);
  });
});
