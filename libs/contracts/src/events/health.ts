// Heartbeats: every service instance says on the health topic that it is alive; governance raises an outage
// alert when one goes silent, and a recovery alert when it (or a replacement) is back.
import { z } from 'zod';

export const platformHeartbeatV1 = z.strictObject({
  service: z.enum(['ingestion', 'encryption', 'access-control', 'governance', 'ledger']),
  /** INSTANCE_ID: host and pid by default; names a process, never a person. */
  instance: z.string().min(1).max(200),
  /** `stopping`: a graceful stop, not an outage. */
  state: z.enum(['up', 'stopping']),
  /** The next heartbeat is due this long after this one. */
  intervalMs: z.number().int().min(100).max(600_000),
});
