// The environment of webhook routing (validated with the rest of governance's at start) and what it turns into.
import { z } from 'zod';
import type { GovernanceConfig } from '../config';
import type { DispatchSettings } from './webhook-dispatcher';
import { LOOPBACK_HOSTS } from './webhook-rules';
import type { WebhookPolicy } from './webhooks.service';

const HOUR = 3_600_000;
const ms = (min: number, max: number, defaultMs: number) => z.coerce.number().int().min(min).max(max).default(defaultMs);

export const webhookConfigShape = {
  /**
   * Host names receiver URLs may name, comma-separated (`*`: any). Unset: loopback only outside production, none in
   * production (the operator names the receivers' hosts).
   */
  WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((host) => host.trim().toLowerCase())
        .filter((host) => host.length > 0),
    )
    .pipe(z.array(z.string().regex(/^(\*|\[[0-9a-f:.]+\]|[a-z0-9.-]{1,253})$/, 'must be host names, [IPv6] or *')).max(200))
    .optional(),
  WEBHOOK_TIMEOUT_MS: ms(100, 60_000, 5_000),
  WEBHOOK_RETRY_BASE_MS: ms(100, HOUR, 10_000),
  WEBHOOK_RETRY_MAX_MS: ms(100, 24 * HOUR, HOUR),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(12),
  WEBHOOK_ROTATION_OVERLAP_MS: ms(0, 30 * 24 * HOUR, 24 * HOUR),
  WEBHOOK_POLL_MS: ms(50, 60_000, 1_000),
};

type WebhookConfig = Pick<GovernanceConfig, keyof typeof webhookConfigShape | 'NODE_ENV'>;

function allowedHostsOf(config: WebhookConfig): readonly string[] {
  return config.WEBHOOK_ALLOWED_HOSTS ?? (config.NODE_ENV === 'production' ? [] : LOOPBACK_HOSTS);
}

export function webhookPolicyOf(config: WebhookConfig): WebhookPolicy {
  return { allowedHosts: allowedHostsOf(config), production: config.NODE_ENV === 'production', rotationOverlapMs: config.WEBHOOK_ROTATION_OVERLAP_MS };
}

export function dispatchSettingsOf(config: WebhookConfig): DispatchSettings {
  return {
    retry: { baseMs: config.WEBHOOK_RETRY_BASE_MS, maxMs: config.WEBHOOK_RETRY_MAX_MS, maxAttempts: config.WEBHOOK_MAX_ATTEMPTS },
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    allowedHosts: allowedHostsOf(config),
    production: config.NODE_ENV === 'production',
    batch: 20,
    pollMs: config.WEBHOOK_POLL_MS,
    leaseMarginMs: 30_000,
  };
}
