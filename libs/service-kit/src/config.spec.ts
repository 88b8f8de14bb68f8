import { z } from 'zod';
import { verifyInstitutionToken, issueInstitutionToken } from '@medshare/crypto';
import { baseConfigSchema, ConfigError, loadConfig, port } from './config';
import { PlatformKeys, platformKeysSchema } from './platform-keys';

const schema = baseConfigSchema.extend({ PORT: port(3001), DATABASE_URL: baseConfigSchema.shape.DATABASE_URL.default('postgres://medshare@127.0.0.1:55432/x') });

describe('loadConfig', () => {
  it('applies defaults when nothing is set', () => {
    expect(loadConfig(schema, {})).toMatchObject({ PORT: 3001, KAFKA_BROKERS: ['127.0.0.1:19092'], LOG_LEVEL: 'info', HOST: '127.0.0.1' });
  });

  it.each([
    ['a non-numeric port', { PORT: 'abc' }, 'PORT'],
    ['a port out of range', { PORT: '70000' }, 'PORT'],
    ['a broker without a port', { KAFKA_BROKERS: 'localhost' }, 'KAFKA_BROKERS'],
    ['a database URL of another kind', { DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL'],
    ['an unknown log level', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('names the variable for %s', (_case, env, variable) => {
    expect(() => loadConfig(schema, env)).toThrow(ConfigError);
    expect(() => loadConfig(schema, env)).toThrow(new RegExp(`^invalid configuration:\\n  ${variable}`));
  });

  it('reports every wrong variable at once', () => {
    expect(() => loadConfig(schema, { PORT: 'x', LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL[\s\S]*PORT|PORT[\s\S]*LOG_LEVEL/);
  });

  it('keeps a service schema a zod object others can extend', () => {
    expect(schema.extend({ EXTRA: z.string().default('e') }).parse({}).EXTRA).toBe('e');
  });
});

describe('PlatformKeys', () => {
  it('derives institution keys in development that verify the tokens they sign', () => {
    const keys = new PlatformKeys(platformKeysSchema.parse({}));
    const token = issueInstitutionToken(keys.institutionPrivateKey('hosp-a'), { institution: 'hosp-a', ttlSeconds: 60 });
    expect(verifyInstitutionToken(keys.institutionKeyring(), token, new Date())).toMatchObject({ ok: true, identity: { institution: 'hosp-a' } });
  });

  it('gives the same keys to every service that shares the seed, and others to another seed', () => {
    const pem = (keys: PlatformKeys) => keys.ledgerPublicKey().export({ format: 'pem', type: 'spki' });
    expect(pem(new PlatformKeys(platformKeysSchema.parse({})))).toEqual(pem(new PlatformKeys(platformKeysSchema.parse({}))));
    expect(pem(new PlatformKeys(platformKeysSchema.parse({ MEDSHARE_DEV_SEED: 'another-seed' })))).not.toEqual(pem(new PlatformKeys(platformKeysSchema.parse({}))));
  });

  it('refuses a dev seed in production', () => {
    expect(() => new PlatformKeys(platformKeysSchema.parse({ NODE_ENV: 'production', MEDSHARE_DEV_SEED: 'public-seed' }))).toThrow(/must not be set in production/);
  });

  it('has no keys in production unless they are configured', () => {
    const keys = new PlatformKeys(platformKeysSchema.parse({ NODE_ENV: 'production' }));
    expect(() => keys.permitPrivateKey()).toThrow(/PERMIT_PRIVATE_KEY must be configured/);
    expect(() => keys.pseudonymKey()).toThrow(/PSEUDONYM_SECRET must be configured/);
  });
});
