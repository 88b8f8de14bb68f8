// The encryption service's environment, validated at start (a wrong value names the variable and stops the start).
import { z } from 'zod';
import { baseConfigSchema, loadConfig, port } from '@medshare/service-kit';

export const encryptionConfigSchema = baseConfigSchema.extend({
  PORT: port(3002),
  DATABASE_URL: baseConfigSchema.shape.DATABASE_URL.default('postgres://medshare@127.0.0.1:55432/encryption'),
});

export type EncryptionConfig = z.infer<typeof encryptionConfigSchema>;

export function loadEncryptionConfig(env: NodeJS.ProcessEnv = process.env): EncryptionConfig {
  return loadConfig(encryptionConfigSchema, env);
}
