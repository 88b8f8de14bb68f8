// The keys services share by configuration: institutions' token keys, the permit and ledger signing keys,
// the pseudonym secret. In development all derive from one public dev seed so nothing needs distributing;
// in production every one of them must be given explicitly (the schema refuses to start otherwise).
import { createHmac, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { DevKeyring, staticInstitutionKeyring, type InstitutionKeyring, type PseudonymKey } from '@medshare/crypto';

export const DEV_INSTITUTIONS = ['hosp-a', 'hosp-b', 'hosp-c', 'lab-d'] as const;
export const PERMIT_SIGNER = 'access-control.permit';
export const LEDGER_SIGNER = 'ledger.block';

const pem = z.string().refine((value) => value.includes('-----BEGIN'), 'must be a PEM key');

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
  INSTITUTION_PUBLIC_KEYS: z.string().optional(),
  PERMIT_PRIVATE_KEY: pem.optional(),
  PERMIT_PUBLIC_KEY: pem.optional(),
  LEDGER_PRIVATE_KEY: pem.optional(),
  LEDGER_PUBLIC_KEY: pem.optional(),
  /** 32+ bytes, hex. */
  PSEUDONYM_SECRET: z.string().regex(/^[0-9a-f]{64,}$/, 'must be at least 32 bytes of hex').optional(),
  SHARED_IDENTIFIER_SYSTEMS: z
    .string()
    .default('https://id.medshare.example/national-health-id')
    .transform((value) => new Set(value.split(',').map((system) => system.trim()).filter(Boolean))),
});

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
    if (this.config.INSTITUTION_PUBLIC_KEYS !== undefined) {
      const parsed = z.record(z.string(), pem).parse(JSON.parse(this.config.INSTITUTION_PUBLIC_KEYS));
      return staticInstitutionKeyring(new Map(Object.entries(parsed).map(([id, key]) => [id, createPublicKey(key)])));
    }
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
        ? Buffer.from(this.config.PSEUDONYM_SECRET, 'hex')
        : createHmac('sha256', this.requireDevSeedMaterial('PSEUDONYM_SECRET')).update('medshare.dev-pseudonym-secret.v1').digest();
    return { secret, sharedSystems: this.config.SHARED_IDENTIFIER_SYSTEMS };
  }

  private privateKey(variable: string, configured: string | undefined, devName: string): KeyObject {
    return configured !== undefined ? createPrivateKey(configured) : this.requireDev(variable).privateKeyOf(devName);
  }

  private publicKey(variable: string, configured: string | undefined, devName: string): KeyObject {
    if (configured !== undefined) return createPublicKey(configured);
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
