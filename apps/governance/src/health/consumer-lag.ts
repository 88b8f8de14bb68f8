// The consumer-lag rule, pure: a group's lag is what its members have not committed yet, summed over the partitions
// it committed on; an alert when it stays above the threshold for longer than the allowed time.
import { alertIdOf } from '../privacy/privacy-rules';

export interface LagLimits {
  /** Messages behind, summed over the group's partitions. */
  threshold: number;
  /** How long the lag must stay above the threshold before it is an alert. */
  forMs: number;
}

export interface PartitionPosition {
  topic: string;
  partition: number;
  /** The group's committed offset; negative when it committed none there. */
  committed: bigint;
  /** The partition's high watermark. */
  end: bigint;
}

export function groupLag(positions: readonly PartitionPosition[]): number {
  let lag = 0n;
  for (const { committed, end } of positions) if (committed >= 0n && end > committed) lag += end - committed;
  return Number(lag);
}

export interface LagFinding {
  alertId: string;
  summary: string;
  details: Record<string, string | number>;
}

/** One alert per group and episode (the episode named by when the lag first went over). */
export function assessLag(group: string, lag: number, overSince: number, now: number, limits: LagLimits): LagFinding | undefined {
  if (lag <= limits.threshold || now - overSince < limits.forMs) return undefined;
  const since = new Date(overSince).toISOString();
  return {
    alertId: alertIdOf('consumer-lag', `${group}@${since}`),
    summary: `consumer group ${group} is ${lag} messages behind, above ${limits.threshold} since ${since}`,
    details: { group, lag, threshold: limits.threshold, overSince: since, forMs: limits.forMs, windowKey: `${group}@${since}` },
  };
}
