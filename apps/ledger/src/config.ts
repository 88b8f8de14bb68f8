// The ledger service's environment, validated at start (a wrong value names the variable and stops the start).
import { z } from 'zod';
import { baseConfigSchema, loadConfig, port } from '@medshare/service-kit';

export const ledgerConfigSchema = baseConfigSchema.extend({
  PORT: port(3004),
  DATABASE_URL: baseConfigSchema.shape.DATABASE_URL.default('postgres://medshare@127.0.0.1:55432/ledger'),
});

export type LedgerConfig = z.infer<typeof ledgerConfigSchema>;

export function loadLedgerConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  return loadConfig(ledgerConfigSchema, env);
}
