// Alerts raised by governance monitoring and by services that detect trouble themselves.
import { z } from 'zod';
import { institutionId } from './common';

export const governanceAlertV1 = z.strictObject({
  alertId: z.string().min(1).max(64),
  kind: z.enum([
    'break-glass',
    'ledger-tamper',
    'replica-unhealthy',
    'quorum-lost',
    'access-volume',
    'access-outside-consent',
    'denied-spike',
    'data-quality',
    'consumer-lag',
    'decrypt-refused',
  ]),
  severity: z.enum(['info', 'warning', 'critical']),
  summary: z.string().min(1).max(1000),
  institution: institutionId.optional(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});
