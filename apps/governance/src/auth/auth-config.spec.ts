// Given governance's environment, then the sign-in settings it starts with, or the variables it names.
import { ConfigError } from '@medshare/service-kit';
import { loadGovernanceConfig } from '../config';

const problemsOf = (env: NodeJS.ProcessEnv): string => {
  try {
    loadGovernanceConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return '';
};

describe('governance sign-in configuration', () => {
  it('defaults to the local provider and the dev client in development', () => {
    expect(loadGovernanceConfig({})).toMatchObject({
      OIDC_ISSUER: 'http://127.0.0.1:3010',
      OIDC_CLIENT_ID: 'medshare-governance',
      PUBLIC_URL: 'http://127.0.0.1:3005',
      SESSION_TTL_MS: 8 * 3_600_000,
    });
  });

  it('requires real secrets and https in production, naming each variable', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    for (const variable of ['OIDC_CLIENT_SECRET', 'OPERATOR_TOKEN', 'PSEUDONYM_SECRET', 'INSTITUTION_PUBLIC_KEYS', 'OIDC_ISSUER', 'PUBLIC_URL'])
      expect(problems).toContain(`${variable}:`);
  });

  it.each([
    ['an issuer that is not a URL', { OIDC_ISSUER: 'login' }, 'OIDC_ISSUER'],
    ['a session shorter than a minute', { SESSION_TTL_MS: '1000' }, 'SESSION_TTL_MS'],
    ['a short operator token', { OPERATOR_TOKEN: 'short' }, 'OPERATOR_TOKEN'],
  ])('refuses %s', (_name, env, variable) => {
    expect(problemsOf(env)).toContain(`${variable}:`);
  });
});
