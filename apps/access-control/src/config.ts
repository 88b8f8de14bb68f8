// The access-control service's environment, validated at start (a wrong value names the variable and stops the start).
import { z } from 'zod';
import { baseConfigSchema, loadConfig, port } from '@medshare/service-kit';

export const access_controlConfigSchema = baseConfigSchema.extend({
  PORT: port(3003),
  DATABASE_URL: baseConfigSchema.shape.DATABASE_URL.default('postgres://medshare@127.0.0.1:55432/access_control'),
});

export type AccessControlConfig = z.infer<typeof access_controlConfigSchema>;

export function loadAccessControlConfig(env: NodeJS.ProcessEnv = process.env): AccessControlConfig {
  return loadConfig(access_controlConfigSchema, env);
}
