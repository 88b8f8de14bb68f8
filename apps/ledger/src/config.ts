// The ledger service's environment, validated at start (a wrong value names the variable and stops the start).
import { z } from 'zod';
import {
  baseConfigSchema,
  DEV_AUDITOR_TOKEN,
  DEV_OPERATOR_TOKEN,
  loadConfig,
  platformKeysSchema,
  port,
  requiredInProduction,
  roleTokenSchema,
} from '@medshare/service-kit';

const DEFAULT_REPLICAS = [55433, 55434, 55435].map((replicaPort) => `postgres://medshare@127.0.0.1:${replicaPort}/ledger`).join(',');

const positiveInt = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);

export const ledgerConfigSchema = baseConfigSchema
  .extend({
    ...platformKeysSchema.shape,
    PORT: port(3004),
    DATABASE_URL: baseConfigSchema.shape.DATABASE_URL.default('postgres://medshare@127.0.0.1:55432/ledger'),
    KAFKA_GROUP_ID: z.string().min(1).default('medshare-ledger'),
    /** The independent PostgreSQL databases the chain is replicated to; a block commits on a majority. */
    LEDGER_REPLICA_URLS: z
      .string()
      .default(DEFAULT_REPLICAS)
      .transform((value) => value.split(',').map((url) => url.trim()))
      .pipe(
        z
          .array(z.url({ protocol: /^postgres(ql)?$/, error: 'each replica must be a postgres:// URL' }))
          .min(1)
          .max(15),
      ),
    BLOCK_MAX_EVENTS: positiveInt(1000, 100_000),
    BLOCK_MAX_AGE_MS: positiveInt(1000, 600_000),
    /** Checkpoint origin line and signer name (C2SP tlog-checkpoint): one per chain. */
    LEDGER_ORIGIN: z
      .string()
      .regex(/^[^\s+]+$/, 'origin must be one word without spaces or "+"')
      .default('medshare.example/ledger'),
    /**
     * Where a partition the chain has never seen starts: `earliest`, or an ISO instant (the first
     * offset at or after it). Deterministic either way, so a restart before the first block agrees.
     */
    LEDGER_START_FROM: z.union([z.literal('earliest'), z.iso.datetime({ offset: true })]).default('earliest'),
    /** How often a writer (or standby) retries replica connections, locks and catch-up. */
    LEDGER_REPLICA_RETRY_MS: positiveInt(1000, 60_000),
    /**
     * How long a replica may take to connect, answer a query or commit a block write before it counts as
     * down (its writer session is dropped; commits go on with the majority, it is caught up later).
     */
    LEDGER_REPLICA_TIMEOUT_MS: positiveInt(5000, 600_000),
    /**
     * The writer's lease on each replica: the replica's server ends a writer session that showed no sign of life
     * for this long (the writer renews it every third of it), which frees the lock for a standby. Bounds the
     * take-over after a writer froze or was cut off; after a crash the lock is free at once.
     */
    LEDGER_LEASE_MS: z.coerce.number().int().min(300).max(600_000).default(5000),
    /** A reachable replica more than this many blocks behind the committed head raises a `replica-unhealthy` alert. */
    LEDGER_REPLICA_LAG_ALERT_BLOCKS: positiveInt(10, 1_000_000),
    /** Pause between the background's incremental verification passes (what changed, what is new, a slice); 0 disables them. */
    LEDGER_VERIFY_INTERVAL_MS: z.coerce.number().int().min(0).max(86_400_000).default(5_000),
    /** Bearer token of operator actions: verification that repairs replicas. Required in production. */
    OPERATOR_TOKEN: roleTokenSchema,
    /** Bearer token of auditors: the export of the whole chain (operators may export too). Required in production. */
    AUDITOR_TOKEN: roleTokenSchema,
  })
  .superRefine(requiredInProduction(['OPERATOR_TOKEN', 'AUDITOR_TOKEN', 'LEDGER_PRIVATE_KEY']));

export type LedgerConfig = z.infer<typeof ledgerConfigSchema>;

/** The roles of the ledger's API that need a token, with the dev defaults when unset outside production. */
export function ledgerRoleTokens(config: LedgerConfig): { operator: string; auditor: string } {
  return { operator: config.OPERATOR_TOKEN ?? DEV_OPERATOR_TOKEN, auditor: config.AUDITOR_TOKEN ?? DEV_AUDITOR_TOKEN };
}

export function loadLedgerConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  return loadConfig(ledgerConfigSchema, env);
}
