// The governance service's environment, validated at start (a wrong value names the variable and stops the start).
import { z } from 'zod';
import { baseConfigSchema, loadConfig, port } from '@medshare/service-kit';
import { authConfigShape, refineAuthConfig } from './auth/auth-config';
import { reportsConfigShape } from './reports/reports-config';
import type { RulesConfig } from './rules/rules';

const MINUTE = 60_000;
const windowMs = (defaultMs: number) => z.coerce.number().int().min(1000).max(24 * 60 * MINUTE).default(defaultMs);
const threshold = (defaultCount: number) => z.coerce.number().int().min(1).max(1_000_000).default(defaultCount);
const flag = (defaultValue: boolean) =>
  z
    .enum(['true', 'false'])
    .default(defaultValue ? 'true' : 'false')
    .transform((value) => value === 'true');

export const governanceConfigSchema = baseConfigSchema.extend({
  ...authConfigShape,
  ...reportsConfigShape,
  PORT: port(3005),
  DATABASE_URL: baseConfigSchema.shape.DATABASE_URL.default('postgres://medshare@127.0.0.1:55432/governance'),
  KAFKA_GROUP_ID: z.string().min(1).max(200).default('governance'),
  ACCESS_VOLUME_WINDOW_MS: windowMs(10 * MINUTE),
  ACCESS_VOLUME_MAX_PATIENTS: threshold(50),
  DENIED_SPIKE_WINDOW_MS: windowMs(5 * MINUTE),
  DENIED_SPIKE_THRESHOLD: threshold(20),
  DATA_QUALITY_WINDOW_MS: windowMs(15 * MINUTE),
  DATA_QUALITY_THRESHOLD: threshold(10),
  /** At start, rewind the detector topics by the longest window so the in-memory windows are rebuilt. */
  REBUILD_WINDOWS_ON_START: flag(true),
}).superRefine(refineAuthConfig);

export type GovernanceConfig = z.infer<typeof governanceConfigSchema>;

export function loadGovernanceConfig(env: NodeJS.ProcessEnv = process.env): GovernanceConfig {
  return loadConfig(governanceConfigSchema, env);
}

export function rulesConfigOf(config: GovernanceConfig): RulesConfig {
  return {
    'access-volume': { windowMs: config.ACCESS_VOLUME_WINDOW_MS, threshold: config.ACCESS_VOLUME_MAX_PATIENTS },
    'denied-spike': { windowMs: config.DENIED_SPIKE_WINDOW_MS, threshold: config.DENIED_SPIKE_THRESHOLD },
    'data-quality': { windowMs: config.DATA_QUALITY_WINDOW_MS, threshold: config.DATA_QUALITY_THRESHOLD },
  };
}
