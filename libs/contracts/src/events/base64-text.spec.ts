import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { isValidUnchanged } from '../compiled-validation';
import { envelope } from '../event-types';
import { validateEvent } from '../validate';
import { BASE64_PATTERN, isBase64Text } from './base64-text';
import { base64 } from './common';

/** Every string of up to `length` characters over `alphabet`. */
function* strings(alphabet: string, length: number): Generator<string> {
  yield '';
  let level = [''];
  for (let size = 1; size <= length; size += 1) {
    level = level.flatMap((prefix) => [...alphabet].map((char) => prefix + char));
    yield* level;
  }
}

describe('isBase64Text answers exactly as the published pattern', () => {
  it('on every string of up to 5 characters over the alphabet edges, padding and junk', () => {
    // Range ends of each class, its neighbours outside it, padding, the URL alphabet, white space, non-ASCII.
    const differ = [...strings('AZaz09+/=@[`{-_ \n\u00e9', 5)].filter((text) => isBase64Text(text) !== BASE64_PATTERN.test(text));
    expect(differ).toEqual([]);
  });

  it('on large ciphertexts, intact and with one character changed anywhere', () => {
    for (let round = 0; round < 200; round += 1) {
      const text = randomBytes(1 + (round % 97) * 31).toString('base64');
      const at = round % text.length;
      for (const changed of [text, text.slice(0, at) + '-' + text.slice(at + 1), text.slice(0, at) + '=' + text.slice(at + 1), `${text}=`, `${text}\n`]) {
        expect(isBase64Text(changed)).toBe(BASE64_PATTERN.test(changed));
      }
    }
  });

  it('keeps the pattern in the published JSON Schema, and zod refuses what it refuses', () => {
    expect(z.toJSONSchema(base64)).toMatchObject({ type: 'string', pattern: BASE64_PATTERN.source });
    expect(base64.safeParse('YWJj').success).toBe(true);
    expect(base64.safeParse('a=bc').success).toBe(false);
  });

  it('refuses a sealed event with junk in its ciphertext, in zod and in the compiled check alike', () => {
    const data = {
      institution: 'hosp-a',
      patient: 'p-aaaaaaaaaaaaaaaa',
      requestId: 'req-1',
      records: [{ recordId: 'r-1', resourceType: 'Observation' }],
      sealed: {
        keyId: 'k1',
        suite: 'X25519-HKDF-SHA256/AES-256-GCM' as const,
        enc: randomBytes(32).toString('base64'),
        ciphertext: randomBytes(300).toString('base64'),
      },
    };
    const good = JSON.parse(JSON.stringify(envelope('ingest.sealed.v1', 'hosp-a', data, { subject: data.patient }))) as { data: typeof data };
    expect(validateEvent(good, 'medshare.ingest.sealed.v1').ok).toBe(true);
    expect(isValidUnchanged(good, 'medshare.ingest.sealed.v1')).toBe(true);
    for (const junk of ['-', '=', ' ']) {
      const bad = structuredClone(good);
      bad.data.sealed.ciphertext = `${bad.data.sealed.ciphertext.slice(0, 100)}${junk}${bad.data.sealed.ciphertext.slice(101)}`;
      expect(validateEvent(bad, 'medshare.ingest.sealed.v1')).toMatchObject({
        ok: false,
        reason: expect.stringContaining('sealed.ciphertext: must be base64'),
      });
      expect(isValidUnchanged(bad, 'medshare.ingest.sealed.v1')).toBe(false);
    }
  });
});
