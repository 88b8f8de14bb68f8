import { generateSigningKeyPair } from '@medshare/crypto';
import { DEV_AUDITOR_TOKEN, DEV_OPERATOR_TOKEN } from '@medshare/service-kit';
import { ledgerConfigSchema, ledgerRoleTokens } from './config';

const OPERATOR_TOKEN = 'operator-token-0123456789abcdef';
const AUDITOR_TOKEN = 'auditor-token-0123456789abcdef';
// Production needs its own keys too; only the role tokens are under test here.
const PRODUCTION_KEYS = { NODE_ENV: 'production', LEDGER_PRIVATE_KEY: generateSigningKeyPair().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };

describe('ledger configuration', () => {
  it.each<[string, Record<string, string>, string[]]>([
    ['development runs on dev tokens', {}, []],
    ['production without tokens names both', PRODUCTION_KEYS, ['AUDITOR_TOKEN', 'OPERATOR_TOKEN']],
    ['production without the auditor token names it', { ...PRODUCTION_KEYS, OPERATOR_TOKEN }, ['AUDITOR_TOKEN']],
    ['production with both tokens starts', { ...PRODUCTION_KEYS, OPERATOR_TOKEN, AUDITOR_TOKEN }, []],
    ['a short auditor token is refused', { AUDITOR_TOKEN: 'short' }, ['AUDITOR_TOKEN']],
  ])('%s', (_case, env, wrong) => {
    const parsed = ledgerConfigSchema.safeParse(env);
    const named = parsed.success ? [] : [...new Set(parsed.error.issues.map((issue) => String(issue.path[0])))];
    expect(named.sort()).toEqual(wrong);
  });

  it.each<[string, Record<string, string>, { operator: string; auditor: string }]>([
    ['configured tokens', { OPERATOR_TOKEN, AUDITOR_TOKEN }, { operator: OPERATOR_TOKEN, auditor: AUDITOR_TOKEN }],
    ['the public dev tokens outside production', {}, { operator: DEV_OPERATOR_TOKEN, auditor: DEV_AUDITOR_TOKEN }],
  ])('gives each role its token: %s', (_case, env, expected) => {
    expect(ledgerRoleTokens(ledgerConfigSchema.parse(env))).toEqual(expected);
  });
});
