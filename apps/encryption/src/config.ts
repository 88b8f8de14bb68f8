// The encryption service's environment, validated at start (a wrong value names the variable and stops the start).
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import {
  DEFAULT_DEV_SEED,
  DEV_OPERATOR_TOKEN,
  baseConfigSchema,
  loadConfig,
  platformKeysSchema,
  port,
  requiredInProduction,
  roleTokenSchema,
} from '@medshare/service-kit';

export const encryptionConfigSchema = baseConfigSchema
  .extend(platformKeysSchema.shape)
  .extend({
    PORT: port(3002),
    DATABASE_URL: baseConfigSchema.shape.DATABASE_URL.default('postgres://medshare@127.0.0.1:55432/encryption'),
    /** Prefix of the consumer groups: <id>-sealed, <id>-store, <id>-decrypt. */
    KAFKA_GROUP_ID: z.string().min(1).default('encryption'),
    /** Group of the store projection; a new one (with an emptied store) rebuilds the store from records.encrypted. */
    STORE_GROUP_ID: z.string().min(1).optional(),
    /** CloudEvents source of this deployment's events; ingestion trusts sealing keys from this source only. */
    SERVICE_SOURCE: z.string().min(1).max(200).default('encryption'),
    /** Where a NEW sealed-records group starts: earliest in production; tests on a shared broker use latest. */
    SEALED_START: z.enum(['earliest', 'latest']).default('earliest'),
    /** Where a NEW store group starts: earliest rebuilds the store; latest only for benches and tests with a throwaway store. */
    STORE_START: z.enum(['earliest', 'latest']).default('earliest'),
    /** 32+ bytes of hex: wraps the KEKs and the sealing private keys at rest. Required in production. */
    MASTER_SECRET: z
      .string()
      .regex(/^[0-9a-f]{64,}$/, 'must be at least 32 bytes of hex')
      .optional(),
    /** Bearer token of the operator API (/v1/keys, /v1/patients/:p/shred). Required in production. */
    OPERATOR_TOKEN: roleTokenSchema,
  })
  .superRefine(requiredInProduction(['MASTER_SECRET', 'OPERATOR_TOKEN', 'PERMIT_PUBLIC_KEY']));

export type EncryptionConfig = z.infer<typeof encryptionConfigSchema>;

export function loadEncryptionConfig(env: NodeJS.ProcessEnv = process.env): EncryptionConfig {
  return loadConfig(encryptionConfigSchema, env);
}

/** The configured master secret, or in development one derived from the public dev seed. */
export function masterSecretOf(config: EncryptionConfig): Buffer {
  if (config.MASTER_SECRET !== undefined) return Buffer.from(config.MASTER_SECRET, 'hex');
  return createHmac('sha256', config.MEDSHARE_DEV_SEED ?? DEFAULT_DEV_SEED)
    .update('medshare.dev-master-secret.v1')
    .digest();
}

export function operatorTokenOf(config: EncryptionConfig): string {
  return config.OPERATOR_TOKEN ?? DEV_OPERATOR_TOKEN;
}
