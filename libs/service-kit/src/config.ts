// Fail-fast configuration: one zod schema per service validates the environment at boot.
import { hostname } from 'node:os';
import { z } from 'zod';

export class ConfigError extends Error {}

/** Variables every service reads; a service extends this with its own. */
export const baseConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:19092')
    .transform((value) => value.split(',').map((broker) => broker.trim()))
    .pipe(z.array(z.string().regex(/^[^:\s]+:\d{1,5}$/, 'each broker must be host:port')).min(1)),
  /** plaintext, or sasl_ssl: TLS 1.3 + SCRAM-SHA-512 as the service's own principal (libs/messaging kafka-security). */
  KAFKA_SECURITY: z.enum(['plaintext', 'sasl_ssl']).default('plaintext'),
  KAFKA_CA_FILE: z.string().min(1).optional(),
  KAFKA_CREDENTIALS_DIR: z.string().min(1).optional(),
  KAFKA_PASSWORD_FILE: z.string().min(1).optional(),
  /** Default: the service's name. */
  KAFKA_USERNAME: z
    .string()
    .regex(/^[a-z0-9-]{1,100}$/, 'lower-case letters, digits and dashes')
    .optional(),
  /**
   * How long a consumer group waits for a silent member (a killed instance) before giving its partitions to the others;
   * the broker refuses less than its group.min.session.timeout.ms (6 s by default). Shorter = faster take-over,
   * but a member whose event loop stalls this long is dropped.
   */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(10_000),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }),
  /** Unique per running instance (consumer groups of its own, client ids): host and pid, unique in containers too. */
  INSTANCE_ID: z.string().min(1).default(`${hostname()}-${process.pid}`),
  /** How often the instance says on the health topic that it is alive (governance alerts on silence). */
  HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** PEM certificate (chain) and private key: with both the service answers HTTPS only, TLS 1.3. Required in production. */
  HTTPS_CERT_FILE: z.string().min(1).optional(),
  HTTPS_KEY_FILE: z.string().min(1).optional(),
  /** The whole request, body included, must arrive within this (a client trickling its body is cut off with 408). */
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(10_000),
  /** An idle keep-alive connection is closed after this. */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;

export function port(defaultPort: number) {
  return z.coerce.number().int().min(1).max(65535).default(defaultPort);
}

/** Parses the environment or throws one error that names every wrong variable. */
export function loadConfig<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(environment)'}: ${issue.message}`);
  throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
}
