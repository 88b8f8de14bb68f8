// The access-control service's environment, validated at start (a wrong value names the variable and stops the start).
import { z } from 'zod';
import { baseConfigSchema, loadConfig, objectStoreConfigSchema, platformKeysSchema, port, requiredInProduction } from '@medshare/service-kit';

/** Keys without which access control can verify no token, sign no permit, or name no patient: dev seeds only outside production. */
const PRODUCTION_KEYS = ['INSTITUTION_PUBLIC_KEYS', 'PERMIT_PRIVATE_KEY', 'PSEUDONYM_SECRET'] as const;

export const accessControlConfigSchema = baseConfigSchema
  .extend(platformKeysSchema.shape)
  .extend(objectStoreConfigSchema.shape)
  .extend({
    PORT: port(3003),
    DATABASE_URL: baseConfigSchema.shape.DATABASE_URL.default('postgres://medshare@127.0.0.1:55432/access_control'),
    /** Prefix of this instance's projection group: each instance reads every event (`<prefix>-<INSTANCE_ID>`). */
    KAFKA_GROUP_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,200}$/, 'letters, digits, dot, dash, underscore')
      .default('access-control'),
    /** How long a permit is valid: enough for one decrypt round trip, no more. */
    PERMIT_TTL_SECONDS: z.coerce.number().int().min(5).max(300).default(30),
    /** A read waits this long for its decrypt reply; a stop lets reads in flight finish, so it must fit in the drain. */
    DECRYPT_TIMEOUT_MS: z.coerce.number().int().min(500).max(120_000).default(5_000),
    /** How long a read waits for this instance to apply every record acknowledged before it (else: types pending). */
    READ_CATCH_UP_MS: z.coerce.number().int().min(0).max(30_000).default(2_000),
    /** A decision or submission waits this long for Kafka's acknowledgement, then answers 503 + Retry-After (outcome unknown). */
    PUBLISH_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3_000),
    /** The `source` of the encryption deployment whose sealing key (keys topic) break-glass reasons are sealed to. */
    SEALING_KEY_SOURCE: z.string().min(1).default('encryption'),
    /** Request bodies larger than this are refused with 413. */
    MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(10 * 1024 * 1024)
      .default(256 * 1024),
  })
  .superRefine((config, context) => {
    // The HTTP drain of a graceful stop gets half of SHUTDOWN_TIMEOUT_MS (service-kit bootstrap); a read may wait
    // READ_CATCH_UP_MS for acknowledged records and then a decrypt reply.
    if (config.READ_CATCH_UP_MS + config.DECRYPT_TIMEOUT_MS > config.SHUTDOWN_TIMEOUT_MS / 2) {
      context.addIssue({
        code: 'custom',
        path: ['DECRYPT_TIMEOUT_MS'],
        message: 'with READ_CATCH_UP_MS must be at most half of SHUTDOWN_TIMEOUT_MS (a stop lets reads in flight finish)',
      });
    }
  })
  .superRefine(requiredInProduction(PRODUCTION_KEYS));

export type AccessControlConfig = z.infer<typeof accessControlConfigSchema>;

export function loadAccessControlConfig(env: NodeJS.ProcessEnv = process.env): AccessControlConfig {
  return loadConfig(accessControlConfigSchema, env);
}
