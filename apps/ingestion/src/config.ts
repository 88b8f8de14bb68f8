// The ingestion service's environment, validated at start (a wrong value names the variable and stops the start).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { baseConfigSchema, loadConfig, objectStoreConfigSchema, platformKeysSchema, port, requiredInProduction } from '@medshare/service-kit';

const MIB = 1024 * 1024;

export const ingestionConfigSchema = baseConfigSchema
  .extend(platformKeysSchema.shape)
  .extend(objectStoreConfigSchema.shape)
  .extend({
    PORT: port(3001),
    DATABASE_URL: baseConfigSchema.shape.DATABASE_URL.default('postgres://medshare@127.0.0.1:55432/ingestion'),
    /** Prefix of this service's consumer groups; each instance adds a unique suffix for the keys topic. */
    KAFKA_GROUP_ID: z.string().min(1).default('ingestion'),
    MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * MIB)
      .default(5 * MIB),
    MAX_BUNDLE_ENTRIES: z.coerce.number().int().min(1).max(10_000).default(1000),
    /** Longest validation of one submission (in the validation thread); beyond it the submission is refused (422). */
    VALIDATION_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
    /** Identifier systems and organizations of an institution live under this prefix: how a record names its institution. */
    INSTITUTION_NAMESPACE_TEMPLATE: z
      .string()
      .includes('{institution}', { message: 'must contain {institution}' })
      .default('https://{institution}.medshare.example/'),
    /** CloudEvents source of the encryption deployment whose sealing keys this service trusts. */
    SEALING_KEY_SOURCE: z.string().min(1).default('encryption'),
    RETRY_AFTER_SECONDS: z.coerce.number().int().min(1).max(3600).default(5),
    /** Longest wait for Kafka's acknowledgement before answering 503 (outcome unknown: a retry with the same Idempotency-Key publishes the same events). */
    PUBLISH_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3000),
    /** An Idempotency-Key claim whose owner stops renewing it (a killed instance) is taken over after this long. */
    IDEMPOTENCY_LEASE_MS: z.coerce.number().int().min(1000).max(600_000).default(15_000),
    /** Plaintext bytes per encrypted chunk of an attachment (the unit of resume and of range reads); fixed per file at its creation. */
    ATTACHMENT_CHUNK_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * MIB)
      .default(4 * MIB),
    MAX_ATTACHMENT_BYTES: z.coerce
      .number()
      .int()
      .min(0)
      .default(64 * 1024 * MIB),
    /** Where $import bodies are spooled (encrypted) until imported: a persistent volume, so a restart resumes the jobs. */
    IMPORT_SPOOL_DIR: z.string().min(1).default(join(tmpdir(), 'medshare-import')),
    MAX_IMPORT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(16 * 1024 * MIB),
    /** Lines per batch an import sends through the write path (bounded by MAX_BUNDLE_ENTRIES and MAX_BODY_BYTES too). */
    IMPORT_CHUNK_LINES: z.coerce.number().int().min(1).max(10_000).default(500),
    /** Inline data (Binary.data, Attachment.data) above this many bytes is stored as a file, not sealed onto Kafka. */
    INLINE_DATA_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(0)
      .max(MIB)
      .default(64 * 1024),
    /** Longest wait for the encryption service's answer about a file key (Kafka request/reply). */
    FILE_KEY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  })
  .superRefine(requiredInProduction(['INSTITUTION_PUBLIC_KEYS', 'PSEUDONYM_SECRET']));

export type IngestionConfig = z.infer<typeof ingestionConfigSchema>;

export function loadIngestionConfig(env: NodeJS.ProcessEnv = process.env): IngestionConfig {
  return loadConfig(ingestionConfigSchema, env);
}
