import { createHmac } from 'node:crypto';
import { toBase32 } from './bytes';
import { TOKEN_DOMAINS, keyedToken, normaliseTokenInput, practitionerPseudonym } from './keyed-token';
import { pseudonymise, type PseudonymKey } from './pseudonym';

const key: PseudonymKey = { secret: Buffer.alloc(32, 7), sharedSystems: new Set() };

describe('keyed tokens', () => {
  it.each<[string, string, string]>([
    ['case', 'ÖZTÜRK', 'öztürk'],
    ['full-width letters (NFKC)', 'ＳＭＩＴＨ', 'smith'],
    ['composed and decomposed accents (NFKC)', 'Mu\u0308ller', 'müller'],
    ['runs of whitespace and punctuation', "  O'Brien--Smith ,", 'o brien smith'],
    ['no-break spaces and tabs', 'van\u00a0der\tBerg', 'van der berg'],
  ])('normalise: %s', (_case, input, expected) => {
    expect(normaliseTokenInput(input)).toBe(expected);
  });

  it('gives equal tokens for spellings that normalise equal, and the documented shape', () => {
    const token = keyedToken(key, TOKEN_DOMAINS.familyName, 'ＳＭＩＴＨ ');
    expect(token).toMatch(/^tk-[a-z2-7]{32}$/);
    expect(keyedToken(key, TOKEN_DOMAINS.familyName, 'smith')).toBe(token);
  });

  it('is HMAC-SHA256 of the JCS array [domain, normalised value], truncated to 160 bits', () => {
    const mac = createHmac('sha256', key.secret).update('["medshare.token.address.v1","1 main st"]').digest();
    expect(keyedToken(key, TOKEN_DOMAINS.address, '1 Main St.')).toBe(`tk-${toBase32(mac.subarray(0, 20))}`);
  });

  it.each<[string, () => string | undefined, () => string | undefined]>([
    ['another value', () => keyedToken(key, TOKEN_DOMAINS.familyName, 'smith'), () => keyedToken(key, TOKEN_DOMAINS.familyName, 'smyth')],
    [
      'another domain (a family name is not an address)',
      () => keyedToken(key, TOKEN_DOMAINS.familyName, 'x'),
      () => keyedToken(key, TOKEN_DOMAINS.address, 'x'),
    ],
    [
      'another key (no token can be tested without the deployment key)',
      () => keyedToken(key, TOKEN_DOMAINS.familyName, 'smith'),
      () => keyedToken({ ...key, secret: Buffer.alloc(32, 8) }, TOKEN_DOMAINS.familyName, 'smith'),
    ],
    ['diacritics are kept', () => keyedToken(key, TOKEN_DOMAINS.familyName, 'Müller'), () => keyedToken(key, TOKEN_DOMAINS.familyName, 'Muller')],
  ])('differs for %s', (_case, a, b) => {
    expect(a()).not.toBe(b());
  });

  it('gives no token for a value that is only punctuation or space', () => {
    expect(keyedToken(key, TOKEN_DOMAINS.familyName, ' -. ')).toBeUndefined();
  });

  it("names practitioners as access control always has (pr- + the client-name pseudonym's base32)", () => {
    const expected = `pr-${pseudonymise(key, 'urn:medshare:client-name:practitioner', 'dr-a', 'medshare').slice(2)}`;
    expect(practitionerPseudonym(key, 'dr-a')).toBe(expected);
    expect(practitionerPseudonym(key, 'dr-a')).toMatch(/^pr-[a-z2-7]{32}$/);
  });
});
