import { CryptoErrorCode } from './crypto-error';
import { institutionKeyOwner, pseudonymise, type PseudonymKey } from './pseudonym';
import { toBase32 } from './bytes';

const NATIONAL_ID = 'https://example.org/fhir/sid/national-health-id'; // synthetic shared system
const MRN = 'https://north.example.org/fhir/sid/mrn';
const key: PseudonymKey = { secret: Buffer.alloc(32, 1), sharedSystems: new Set([NATIONAL_ID]) };

describe('pseudonymise', () => {
  it('is stable: the same identifier always gives the same pseudonym', () => {
    expect(pseudonymise(key, MRN, 'MRN-0001', 'org-north')).toBe(pseudonymise({ ...key }, MRN, 'MRN-0001', 'org-north'));
  });

  it('has the documented shape: p- and 32 lower-case base32 characters', () => {
    expect(pseudonymise(key, NATIONAL_ID, '0000000001', 'org-north')).toMatch(/^p-[a-z2-7]{32}$/);
  });

  it.each<[string, [string, string, string], [string, string, string], 'same' | 'different']>([
    ['a shared-system identifier links across institutions', [NATIONAL_ID, '0000000001', 'org-north'], [NATIONAL_ID, '0000000001', 'org-south'], 'same'],
    ['a local identifier (MRN) does not link across institutions', [MRN, 'MRN-0001', 'org-north'], [MRN, 'MRN-0001', 'org-south'], 'different'],
    ['the same value in two systems names two identifiers', [NATIONAL_ID, '0000000001', 'org-north'], [MRN, '0000000001', 'org-north'], 'different'],
    ['values differ', [MRN, 'MRN-0001', 'org-north'], [MRN, 'MRN-0002', 'org-north'], 'different'],
    ['field boundaries cannot shift (system|value)', [MRN, 'a|b', 'org-north'], [`${MRN}|a`, 'b', 'org-north'], 'different'],
    ['field boundaries cannot shift (institution|system)', ['b', 'v', 'org|a'], ['a|b', 'v', 'org'], 'different'],
  ])('%s', (_case, left, right, expected) => {
    const a = pseudonymise(key, ...left);
    const b = pseudonymise(key, ...right);
    if (expected === 'same') expect(a).toBe(b);
    else expect(a).not.toBe(b);
  });

  it('keeps shared and local domains apart: declaring a system shared changes its pseudonyms', () => {
    const asLocal = pseudonymise({ ...key, sharedSystems: new Set() }, NATIONAL_ID, '0000000001', 'org-north');
    expect(asLocal).not.toBe(pseudonymise(key, NATIONAL_ID, '0000000001', 'org-north'));
  });

  it('depends on the deployment secret', () => {
    const other: PseudonymKey = { ...key, secret: Buffer.alloc(32, 2) };
    expect(pseudonymise(other, MRN, 'MRN-0001', 'org-north')).not.toBe(pseudonymise(key, MRN, 'MRN-0001', 'org-north'));
  });

  it.each<[string, PseudonymKey, string, string, string]>([
    ['a secret shorter than 32 bytes', { ...key, secret: Buffer.alloc(16) }, MRN, 'MRN-0001', 'org-north'],
    ['an empty system', key, '', 'MRN-0001', 'org-north'],
    ['an empty value', key, MRN, '', 'org-north'],
    ['an empty institution', key, MRN, 'MRN-0001', ''],
  ])('rejects %s', (_case, badKey, system, value, institution) => {
    expect(() => pseudonymise(badKey, system, value, institution)).toThrow(expect.objectContaining({ code: CryptoErrorCode.InvalidInput }));
  });
});

describe('base32 (RFC 4648 §10 test vectors, lower case, unpadded)', () => {
  it.each([
    ['', ''],
    ['f', 'my'],
    ['fo', 'mzxq'],
    ['foo', 'mzxw6'],
    ['foob', 'mzxw6yq'],
    ['fooba', 'mzxw6ytb'],
    ['foobar', 'mzxw6ytboi'],
  ])('encodes %j as %j', (input, expected) => {
    expect(toBase32(Buffer.from(input))).toBe(expected);
  });
});

describe('institutionKeyOwner', () => {
  it('is a stable pseudonym-shaped key owner per institution', () => {
    expect(institutionKeyOwner(key, 'org-north')).toMatch(/^p-[a-z2-7]{32}$/);
    expect(institutionKeyOwner(key, 'org-north')).toBe(institutionKeyOwner({ ...key }, 'org-north'));
    expect(institutionKeyOwner(key, 'org-north')).not.toBe(institutionKeyOwner(key, 'org-south'));
  });

  it('is out of reach of every identifier a caller can name (another HMAC input domain)', () => {
    const owner = institutionKeyOwner(key, 'org-north');
    for (const system of [NATIONAL_ID, MRN, 'medshare.institution-key-owner.v1']) {
      expect(pseudonymise(key, system, 'org-north', 'org-north')).not.toBe(owner);
    }
  });
});
