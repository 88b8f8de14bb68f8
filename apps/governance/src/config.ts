// The governance service's environment, validated at start (a wrong value names the variable and stops the start).
import { z } from 'zod';
import { baseConfigSchema, loadConfig, port } from '@medshare/service-kit';

export const governanceConfigSchema = baseConfigSchema.extend({
  PORT: port(3005),
  DATABASE_URL: baseConfigSchema.shape.DATABASE_URL.default('postgres://medshare@127.0.0.1:55432/governance'),
});

export type GovernanceConfig = z.infer<typeof governanceConfigSchema>;

export function loadGovernanceConfig(env: NodeJS.ProcessEnv = process.env): GovernanceConfig {
  return loadConfig(governanceConfigSchema, env);
}
