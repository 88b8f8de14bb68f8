// The volume-drop rule, pure: an institution's submissions in one hour against the same hour of the days before
// (its own baseline). A feed that stops sends nothing that could trigger a rule, so a timer asks, hour by hour.
import { alertIdOf, median } from '../privacy/privacy-rules';

export const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

export interface VolumeLimits {
  /** Fires when the hour's submissions are below `factor` × the baseline median (0 < factor < 1)… */
  factor: number;
  /** …and that median is at least this many submissions (quiet hours are never judged). */
  minSubmissions: number;
  /** The baseline: the same hour on each of the `days` days before (a day without submissions counts 0). */
  days: number;
  /** An hour is judged this long after it ended, so late submissions still count. */
  graceMs: number;
}

export function hourOf(at: number): number {
  return Math.floor(at / HOUR_MS) * HOUR_MS;
}

/** The newest hour that ended at least `graceMs` before `now`. */
export function hourToJudge(now: number, graceMs: number): number {
  return hourOf(now - graceMs) - HOUR_MS;
}

/** The same hour on each of the `days` days before, newest first (24 h apart: across a DST change, the next local hour). */
export function baselineHours(hour: number, days: number): number[] {
  return Array.from({ length: days }, (_, index) => hour - (index + 1) * DAY_MS);
}

export interface VolumeFinding {
  alertId: string;
  institution: string;
  summary: string;
  at: number;
  details: Record<string, string | number>;
}

/** `baseline` holds one count per baseline hour (0 where nothing came): one alert per institution and hour. */
export function assessVolume(institution: string, hour: number, count: number, baseline: readonly number[], limits: VolumeLimits): VolumeFinding | undefined {
  const usual = median(baseline);
  if (usual < limits.minSubmissions || count >= limits.factor * usual) return undefined;
  const start = new Date(hour).toISOString();
  const windowKey = `${institution}@${start}`;
  return {
    alertId: alertIdOf('volume-drop', windowKey),
    institution,
    summary: `${institution} sent ${count} submissions in the hour from ${start}, against a usual ${usual} (median of the same hour on ${baseline.length} days)`,
    at: hour + HOUR_MS,
    details: { windowKey, hour: start, submissions: count, baselineMedian: usual, baselineDays: baseline.length, factor: limits.factor },
  };
}
