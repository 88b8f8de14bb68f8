import { z } from 'zod';
import { generateKeyPairSync } from 'node:crypto';
import { verifyInstitutionToken, issueInstitutionToken } from '@medshare/crypto';
import { baseConfigSchema, ConfigError, loadConfig, port } from './config';
import { PlatformKeys, platformKeysSchema, requiredInProduction } from './platform-keys';

const schema = baseConfigSchema.extend({
  PORT: port(3001),
  DATABASE_URL: baseConfigSchema.shape.DATABASE_URL.default('postgres://medshare@127.0.0.1:55432/x'),
});

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
    expect(pem(new PlatformKeys(platformKeysSchema.parse({ MEDSHARE_DEV_SEED: 'another-seed' })))).not.toEqual(
      pem(new PlatformKeys(platformKeysSchema.parse({}))),
    );
  });

  it('refuses a dev seed in production', () => {
    expect(() => new PlatformKeys(platformKeysSchema.parse({ NODE_ENV: 'production', MEDSHARE_DEV_SEED: 'public-seed' }))).toThrow(
      /must not be set in production/,
    );
  });

  it('has no keys in production unless they are configured', () => {
    const keys = new PlatformKeys(platformKeysSchema.parse({ NODE_ENV: 'production' }));
    expect(() => keys.permitPrivateKey()).toThrow(/PERMIT_PRIVATE_KEY must be configured/);
    expect(() => keys.pseudonymKey()).toThrow(/PSEUDONYM_SECRET must be configured/);
  });
});

describe('platform keys in the configuration schema', () => {
  const ed25519 = generateKeyPairSync('ed25519');
  const privatePem = ed25519.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPem = ed25519.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const x25519Public = generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const schema = platformKeysSchema.superRefine(requiredInProduction(['PERMIT_PRIVATE_KEY', 'INSTITUTION_PUBLIC_KEYS']));
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(schema, env);
      return '';
    } catch (error) {
      return (error as Error).message;
    }
  };

  it.each<[string, Record<string, string>, RegExp]>([
    [
      'a required key missing in production',
      { NODE_ENV: 'production', INSTITUTION_PUBLIC_KEYS: JSON.stringify({ 'hosp-a': publicPem }) },
      /^invalid configuration:\n  PERMIT_PRIVATE_KEY: is required in production$/,
    ],
    [
      'the dev seed in production',
      { NODE_ENV: 'production', MEDSHARE_DEV_SEED: 'some-seed', PERMIT_PRIVATE_KEY: privatePem, INSTITUTION_PUBLIC_KEYS: '{}' },
      /^invalid configuration:\n  MEDSHARE_DEV_SEED: must not be set in production$/,
    ],
    [
      'institution keys that are not JSON',
      { INSTITUTION_PUBLIC_KEYS: '{"hosp-a":' },
      /^invalid configuration:\n  INSTITUTION_PUBLIC_KEYS: must be a JSON object/,
    ],
    ['institution keys as a JSON array', { INSTITUTION_PUBLIC_KEYS: '[]' }, /^invalid configuration:\n  INSTITUTION_PUBLIC_KEYS: must be a JSON object/],
    [
      'an institution key that is no PEM',
      { INSTITUTION_PUBLIC_KEYS: JSON.stringify({ 'hosp-a': 'abc' }) },
      /^invalid configuration:\n  INSTITUTION_PUBLIC_KEYS\.hosp-a: must be an Ed25519 public key in PEM$/,
    ],
    [
      'an X25519 key where an Ed25519 one goes',
      { PERMIT_PUBLIC_KEY: x25519Public },
      /^invalid configuration:\n  PERMIT_PUBLIC_KEY: must be an Ed25519 public key in PEM$/,
    ],
    [
      'a private key where a public one goes',
      { LEDGER_PUBLIC_KEY: privatePem },
      /^invalid configuration:\n  LEDGER_PUBLIC_KEY: must be an Ed25519 public key in PEM$/,
    ],
    [
      'a public key where a private one goes',
      { LEDGER_PRIVATE_KEY: publicPem },
      /^invalid configuration:\n  LEDGER_PRIVATE_KEY: must be an Ed25519 private key in PEM$/,
    ],
  ])('names the variable for %s, and nothing else', (_case, env, message) => {
    expect(problems(env)).toMatch(message);
    expect(problems(env)).not.toMatch(/SyntaxError/);
  });

  it('parses PEM and JSON once into the keys PlatformKeys hands out', () => {
    const keys = new PlatformKeys(
      schema.parse({ NODE_ENV: 'production', PERMIT_PRIVATE_KEY: privatePem, INSTITUTION_PUBLIC_KEYS: JSON.stringify({ 'hosp-a': publicPem }) }),
    );
    expect(keys.permitPrivateKey().equals(ed25519.privateKey)).toBe(true);
    expect(keys.institutionKeyring().publicKeyOf('hosp-a')?.equals(ed25519.publicKey)).toBe(true);
  });
});
