// Access control's environment: in production every key it needs is named at start when missing.
import { ConfigError } from '@medshare/service-kit';
import { loadAccessControlConfig } from './config';

describe('access-control configuration', () => {
  it('runs on dev keys outside production', () => {
    expect(loadAccessControlConfig({}).PORT).toBe(3003);
  });

  it('refuses to start in production without its keys, naming each variable', () => {
    expect(() => loadAccessControlConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadAccessControlConfig({ NODE_ENV: 'production' })).toThrow(/PERMIT_PRIVATE_KEY: is required in production/);
    expect(() => loadAccessControlConfig({ NODE_ENV: 'production' })).toThrow(/INSTITUTION_PUBLIC_KEYS: is required in production/);
    expect(() => loadAccessControlConfig({ NODE_ENV: 'production' })).toThrow(/PSEUDONYM_SECRET: is required in production/);
  });

  it('names only what is missing', () => {
    const env = { NODE_ENV: 'production', INSTITUTION_PUBLIC_KEYS: '{}', PSEUDONYM_SECRET: 'ab'.repeat(32) };
    expect(() => loadAccessControlConfig(env)).toThrow(/^invalid configuration:\n {2}PERMIT_PRIVATE_KEY: is required in production$/);
  });
});
