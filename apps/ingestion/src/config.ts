// The ingestion service's environment, validated at start (a wrong value names the variable and stops the start).
import { z } from 'zod';
import { baseConfigSchema, loadConfig, port } from '@medshare/service-kit';

export const ingestionConfigSchema = baseConfigSchema.extend({
  PORT: port(3001),
  DATABASE_URL: baseConfigSchema.shape.DATABASE_URL.default('postgres://medshare@127.0.0.1:55432/ingestion'),
});

export type IngestionConfig = z.infer<typeof ingestionConfigSchema>;

export function loadIngestionConfig(env: NodeJS.ProcessEnv = process.env): IngestionConfig {
  return loadConfig(ingestionConfigSchema, env);
}
