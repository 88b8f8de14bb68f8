// The variables of officer authentication: the OpenID Provider and client of the dashboard, the session, the
// operator's bearer token, and the institutions' token keys (platform keys) that APIs also accept.
import { z } from 'zod';
import { platformKeysSchema, requiredInProduction, roleTokenSchema } from '@medshare/service-kit';

/** Public like the dev seed: the local provider (infra/oidc) registers the dashboard with it. */
export const DEV_OIDC_CLIENT_SECRET = 'medshare-dev-governance-oidc-secret-not-secret';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' });

export const authConfigShape = {
  ...platformKeysSchema.shape,
  /** The officers' OpenID Provider (a hospital's own in production; infra/oidc's in development). */
  OIDC_ISSUER: httpUrl.default('http://127.0.0.1:3010'),
  OIDC_CLIENT_ID: z.string().min(1).max(200).default('medshare-governance'),
  OIDC_CLIENT_SECRET: z.string().min(16).optional(),
  /** Where browsers reach this service: the redirect URI is `<PUBLIC_URL>/auth/callback`, and state changes must come from this origin. */
  PUBLIC_URL: httpUrl.default('http://127.0.0.1:3005'),
  SESSION_TTL_MS: z.coerce
    .number()
    .int()
    .min(60_000)
    .max(24 * 3_600_000)
    .default(8 * 3_600_000),
  /** The platform operator's bearer token for API calls (the same as the ledger's and the encryption service's). */
  OPERATOR_TOKEN: roleTokenSchema,
};

export type AuthConfig = z.infer<z.ZodObject<typeof authConfigShape>>;

/** Production needs real secrets, and https everywhere a session cookie or a token travels. */
export function refineAuthConfig(config: AuthConfig, context: z.RefinementCtx): void {
  requiredInProduction(['OIDC_CLIENT_SECRET', 'OPERATOR_TOKEN', 'PSEUDONYM_SECRET', 'INSTITUTION_PUBLIC_KEYS'])(config, context);
  if (config.NODE_ENV !== 'production') return;
  for (const variable of ['OIDC_ISSUER', 'PUBLIC_URL'] as const) {
    if (!config[variable].startsWith('https://')) context.addIssue({ code: 'custom', path: [variable], message: 'must be https:// in production' });
  }
}

export function oidcClientSecretOf(config: AuthConfig): string {
  return config.OIDC_CLIENT_SECRET ?? DEV_OIDC_CLIENT_SECRET;
}
