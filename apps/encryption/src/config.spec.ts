import { generateSigningKeyPair } from '@medshare/crypto';
import { DEV_OPERATOR_TOKEN } from '@medshare/service-kit';
import { encryptionConfigSchema, masterSecretOf, operatorTokenOf } from './config';

const MASTER_SECRET = 'ab'.repeat(32);
const OPERATOR_TOKEN = 'operator-token-0123456789abcdef';
// Production needs the permit verification key too; the secret and token are under test here.
const PERMIT_PUBLIC_KEY = generateSigningKeyPair().publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('encryption configuration', () => {
  it.each<[string, Record<string, string>, string[]]>([
    ['development runs on dev defaults', {}, []],
    ['production without the master secret and operator token names both', { NODE_ENV: 'production', PERMIT_PUBLIC_KEY }, ['MASTER_SECRET', 'OPERATOR_TOKEN']],
    ['production without the operator token names it', { NODE_ENV: 'production', MASTER_SECRET, PERMIT_PUBLIC_KEY }, ['OPERATOR_TOKEN']],
    ['production without the permit verification key names it', { NODE_ENV: 'production', MASTER_SECRET, OPERATOR_TOKEN }, ['PERMIT_PUBLIC_KEY']],
    ['a master secret under 32 bytes is refused', { MASTER_SECRET: 'ab'.repeat(31) }, ['MASTER_SECRET']],
    ['a master secret that is not lower-case hex is refused', { MASTER_SECRET: 'AB'.repeat(32) }, ['MASTER_SECRET']],
    ['a short operator token is refused', { OPERATOR_TOKEN: 'short' }, ['OPERATOR_TOKEN']],
    ['an unknown sealed-records start is refused', { SEALED_START: 'middle' }, ['SEALED_START']],
    ['an unknown store start is refused', { STORE_START: 'middle' }, ['STORE_START']],
  ])('%s', (_case, env, wrong) => {
    const parsed = encryptionConfigSchema.safeParse(env);
    const named = parsed.success ? [] : [...new Set(parsed.error.issues.map((issue) => String(issue.path[0])))];
    expect(named.sort()).toEqual(wrong);
  });

  it('uses the configured master secret and operator token when given', () => {
    const config = encryptionConfigSchema.parse({ MASTER_SECRET, OPERATOR_TOKEN });
    expect(masterSecretOf(config).toString('hex')).toBe(MASTER_SECRET);
    expect(operatorTokenOf(config)).toBe(OPERATOR_TOKEN);
  });

  it.each<[string, Record<string, string>, Record<string, string>, boolean]>([
    ['derives the same dev master secret from the same dev seed', { MEDSHARE_DEV_SEED: 'seed-one' }, { MEDSHARE_DEV_SEED: 'seed-one' }, true],
    ['derives another dev master secret from another dev seed', { MEDSHARE_DEV_SEED: 'seed-one' }, { MEDSHARE_DEV_SEED: 'seed-two' }, false],
  ])('%s', (_case, first, second, same) => {
    const [a, b] = [first, second].map((env) => masterSecretOf(encryptionConfigSchema.parse(env)));
    expect(a.byteLength).toBe(32);
    expect(a.equals(b)).toBe(same);
    expect(operatorTokenOf(encryptionConfigSchema.parse(first))).toBe(DEV_OPERATOR_TOKEN);
  });
});
