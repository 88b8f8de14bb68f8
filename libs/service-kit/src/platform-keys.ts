// The keys services share by configuration: institutions' token keys, the permit and ledger signing keys,
// the pseudonym secret. In development all derive from one public dev seed so nothing needs distributing;
// in production every one a service uses must be given explicitly (its schema refuses to start otherwise,
// naming the variable; PEM and JSON are parsed there, once).
import { createHmac, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { DevKeyring, staticInstitutionKeyring, type InstitutionKeyring, type PseudonymKey } from '@medshare/crypto';

export const DEV_INSTITUTIONS = ['hosp-a', 'hosp-b', 'hosp-c', 'lab-d'] as const;
export const PERMIT_SIGNER = 'access-control.permit';
export const LEDGER_SIGNER = 'ledger.block';

/** An Ed25519 key in PEM, parsed here so a bad value stops the start naming its variable. */
function ed25519Pem(kind: 'private' | 'public') {
  return z.string().transform((value, context) => {
    const key = ed25519KeyOf(value, kind);
    if (key !== undefined) return key;
    context.addIssue({ code: 'custom', message: `must be an Ed25519 ${kind} key in PEM` });
    return z.NEVER;
  });
}

function ed25519KeyOf(pem: string, kind: 'private' | 'public'): KeyObject | undefined {
  // A private key where a public one is expected would hand a signing key to a service that must not sign.
  if (kind === 'public' && pem.includes('PRIVATE KEY')) return undefined;
  try {
    const key = kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
    return key.asymmetricKeyType === 'ed25519' ? key : undefined;
  } catch {
    return undefined;
  }
}

/** JSON object institution id -> SPKI PEM of its token signer, parsed into keys. */
const institutionPublicKeys = z.string().transform((value, context) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    context.addIssue({ code: 'custom', message: 'must be a JSON object {"<institution id>": "<Ed25519 public key PEM>", ...}' });
    return z.NEVER;
  }
  const keys = new Map<string, KeyObject>();
  for (const [institution, pem] of Object.entries(parsed)) {
    const key = typeof pem === 'string' ? ed25519KeyOf(pem, 'public') : undefined;
    if (key === undefined) context.addIssue({ code: 'custom', path: [institution], message: 'must be an Ed25519 public key in PEM' });
    else keys.set(institution, key);
  }
  return keys;
});

export const platformKeysSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** DEV ONLY: the seed every dev key derives from. Public by design; refused in production. */
  MEDSHARE_DEV_SEED: z.string().min(8).optional(),
  INSTITUTIONS: z
    .string()
    .default(DEV_INSTITUTIONS.join(','))
    .transform((value) => value.split(',').map((id) => id.trim()))
    .pipe(z.array(z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'institution ids are lower-case slugs')).min(1)),
  /** Production: JSON object institution id -> SPKI PEM public key of its token signer. */
  INSTITUTION_PUBLIC_KEYS: institutionPublicKeys.optional(),
  PERMIT_PRIVATE_KEY: ed25519Pem('private').optional(),
  PERMIT_PUBLIC_KEY: ed25519Pem('public').optional(),
  LEDGER_PRIVATE_KEY: ed25519Pem('private').optional(),
  LEDGER_PUBLIC_KEY: ed25519Pem('public').optional(),
  /** 32+ bytes, hex. */
  PSEUDONYM_SECRET: z
    .string()
    .regex(/^[0-9a-f]{64,}$/, 'must be at least 32 bytes of hex')
    .transform((value) => Buffer.from(value, 'hex'))
    .optional(),
  SHARED_IDENTIFIER_SYSTEMS: z
    .string()
    .default('https://id.medshare.example/national-health-id')
    .transform(
      (value) =>
        new Set(
          value
            .split(',')
            .map((system) => system.trim())
            .filter(Boolean),
        ),
    ),
});

/**
 * A refinement of a service schema: in production the dev seed is refused and every variable named is
 * required (each service names the keys it uses), so a missing key stops the start instead of failing requests.
 */
export function requiredInProduction<Variable extends string>(variables: readonly Variable[]) {
  return (config: { NODE_ENV: string; MEDSHARE_DEV_SEED?: string } & { [Name in Variable]?: unknown }, context: z.RefinementCtx): void => {
    if (config.NODE_ENV !== 'production') return;
    if (config.MEDSHARE_DEV_SEED !== undefined) context.addIssue({ code: 'custom', path: ['MEDSHARE_DEV_SEED'], message: 'must not be set in production' });
    for (const variable of variables) {
      if (config[variable] === undefined) context.addIssue({ code: 'custom', path: [variable], message: 'is required in production' });
    }
  };
}

export type PlatformKeysConfig = z.infer<typeof platformKeysSchema>;

export const DEFAULT_DEV_SEED = 'medshare-dev-seed-not-secret';

export class PlatformKeys {
  private readonly dev?: DevKeyring;

  constructor(private readonly config: PlatformKeysConfig) {
    const seed = config.MEDSHARE_DEV_SEED ?? (config.NODE_ENV === 'production' ? undefined : DEFAULT_DEV_SEED);
    if (seed !== undefined) {
      if (config.NODE_ENV === 'production') throw new Error('MEDSHARE_DEV_SEED must not be set in production');
      this.dev = new DevKeyring(seed, [...config.INSTITUTIONS, PERMIT_SIGNER, LEDGER_SIGNER]);
    }
  }

  get institutions(): readonly string[] {
    return this.config.INSTITUTIONS;
  }

  institutionKeyring(): InstitutionKeyring {
    if (this.config.INSTITUTION_PUBLIC_KEYS !== undefined) return staticInstitutionKeyring(this.config.INSTITUTION_PUBLIC_KEYS);
    return this.requireDev('INSTITUTION_PUBLIC_KEYS');
  }

  /** DEV ONLY: signs institution tokens for `npx medshare token` and tests. */
  institutionPrivateKey(institution: string): KeyObject {
    return this.requireDev('a dev seed').privateKeyOf(institution);
  }

  permitPrivateKey(): KeyObject {
    return this.privateKey('PERMIT_PRIVATE_KEY', this.config.PERMIT_PRIVATE_KEY, PERMIT_SIGNER);
  }

  permitPublicKey(): KeyObject {
    return this.publicKey('PERMIT_PUBLIC_KEY', this.config.PERMIT_PUBLIC_KEY, PERMIT_SIGNER);
  }

  ledgerPrivateKey(): KeyObject {
    return this.privateKey('LEDGER_PRIVATE_KEY', this.config.LEDGER_PRIVATE_KEY, LEDGER_SIGNER);
  }

  ledgerPublicKey(): KeyObject {
    return this.publicKey('LEDGER_PUBLIC_KEY', this.config.LEDGER_PUBLIC_KEY, LEDGER_SIGNER);
  }

  pseudonymKey(): PseudonymKey {
    const secret =
      this.config.PSEUDONYM_SECRET !== undefined
        ? this.config.PSEUDONYM_SECRET
        : createHmac('sha256', this.requireDevSeedMaterial('PSEUDONYM_SECRET')).update('medshare.dev-pseudonym-secret.v1').digest();
    return { secret, sharedSystems: this.config.SHARED_IDENTIFIER_SYSTEMS };
  }

  private privateKey(variable: string, configured: KeyObject | undefined, devName: string): KeyObject {
    return configured ?? this.requireDev(variable).privateKeyOf(devName);
  }

  private publicKey(variable: string, configured: KeyObject | undefined, devName: string): KeyObject {
    if (configured !== undefined) return configured;
    const key = this.requireDev(variable).publicKeyOf(devName);
    if (key === undefined) throw new Error(`no dev key for ${devName}`);
    return key;
  }

  private requireDev(variable: string): DevKeyring {
    if (this.dev === undefined) throw new Error(`${variable} must be configured (no dev seed in production)`);
    return this.dev;
  }

  private requireDevSeedMaterial(variable: string): string {
    this.requireDev(variable);
    return this.config.MEDSHARE_DEV_SEED ?? DEFAULT_DEV_SEED;
  }
}
