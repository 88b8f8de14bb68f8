// The data-quality rules, pure: what a rejection or an accepted record adds to an institution's day and counting
// window, and when a day's refusal rate jumps against the institution's own baseline or a window holds too many
// rejections. No clock and no I/O: the same counts give the same alerts on any instance.
import type { EventOf } from '@medshare/contracts';
import { alertIdOf, median } from '../privacy/privacy-rules';
import { localTimeOf } from '../privacy/working-hours';

export type QualityKind = 'data-quality' | 'data-quality-rate';

export interface QualityLimits {
  /** Institution → IANA zone its days are counted in (INSTITUTION_WORKING_HOURS); UTC for the others. */
  timeZones: Readonly<Record<string, string>>;
  /** Rejected submissions per institution in fixed (epoch-aligned) windows: fires above `threshold`. */
  window: { windowMs: number; threshold: number };
  rate: {
    /** Fires when the day's refusal rate exceeds `factor` × the baseline median… */
    factor: number;
    /** …and the median by at least this much (0–1), so a 0 % baseline does not fire on one refusal. */
    minIncrease: number;
    /** A day counts (today and in the baseline) once it saw this many resources, accepted or refused. */
    minResources: number;
    /** The baseline: the institution's days with volume among the `days` days before today, at least `minDays` of them. */
    days: number;
    minDays: number;
  };
}

/** One institution's day (UTC) as counted so far. */
export interface DayCounts {
  day: string;
  accepted: number;
  refusedSubmissions: number;
  refusedResources: number;
  duplicates: number;
}

export interface IssueCount {
  code: string;
  /** The element path with list indices removed (`Bundle.entry[].resource.subject`), or '' when none was named. */
  path: string;
  count: number;
}

/** What one rejection adds: to its day, to its counting window, and to the day's issue counts. */
export interface RejectionContribution {
  institution: string;
  day: string;
  windowStart: number;
  refusedResources: number;
  issues: { code: string; path: string }[];
}

export interface QualityFinding {
  alertId: string;
  kind: QualityKind;
  severity: 'warning';
  summary: string;
  institution: string;
  at: number;
  trigger: { id: string; correlationid: string };
  details: Record<string, string | number | boolean>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The calendar day (YYYY-MM-DD) of `time` in `timeZone`. */
export function dayOf(time: string | number, timeZone = 'UTC'): string {
  const at = typeof time === 'string' ? Date.parse(time) : time;
  return timeZone === 'UTC' ? new Date(at).toISOString().slice(0, 10) : localTimeOf(at, timeZone).date;
}

/** The days before `day`, newest first: the baseline period. */
export function daysBefore(day: string, count: number): string[] {
  const start = Date.parse(`${day}T00:00:00Z`);
  return Array.from({ length: count }, (_, index) => dayOf(start - (index + 1) * DAY_MS));
}

/**
 * A refused submission refuses every entry its reasons name (a batch's other entries were answered on their own),
 * or the whole submission (one resource) when they name none.
 */
export function rejectionContribution(event: EventOf<'ingest.rejected.v1'>, windowMs: number, timeZone = 'UTC'): RejectionContribution {
  const { institution, reasons } = event.data;
  const at = Date.parse(event.time);
  const entries = new Set(reasons.flatMap((reason) => (reason.entry === undefined ? [] : [reason.entry])));
  return {
    institution,
    day: dayOf(at, timeZone),
    windowStart: Math.floor(at / windowMs) * windowMs,
    refusedResources: Math.max(entries.size, 1),
    issues: reasons.map((reason) => ({ code: reason.code, path: pathOf(reason.expression?.[0]) })),
  };
}

/** Indices out, so the same element of different entries counts as one path. */
export function pathOf(expression: string | undefined): string {
  return (expression ?? '').replace(/\[\d+\]/g, '[]').slice(0, 200);
}

export function refusalRate(counts: Pick<DayCounts, 'accepted' | 'refusedResources'>): number {
  const total = counts.accepted + counts.refusedResources;
  return total === 0 ? 0 : counts.refusedResources / total;
}

function volume(counts: DayCounts): number {
  return counts.accepted + counts.refusedResources;
}

/** The day's refusal rate against the institution's own baseline: at most one alert per institution and day. */
export function assessRate(
  institution: string,
  today: DayCounts,
  baseline: readonly DayCounts[],
  limits: QualityLimits['rate'],
  trigger: QualityFinding['trigger'] & { at: number },
): QualityFinding | undefined {
  if (volume(today) < limits.minResources) return undefined;
  const active = baseline.filter((day) => volume(day) >= limits.minResources);
  if (active.length < limits.minDays) return undefined;
  const rate = refusalRate(today);
  const usual = median(active.map(refusalRate));
  if (rate < usual + limits.minIncrease || rate <= limits.factor * usual) return undefined;
  const windowKey = `${institution}@${today.day}`;
  return {
    alertId: alertIdOf('data-quality-rate', windowKey),
    kind: 'data-quality-rate',
    severity: 'warning',
    summary: `${institution} had ${percent(rate)} of its resources refused on ${today.day}, against a usual ${percent(usual)} (median of ${active.length} days)`,
    institution,
    at: trigger.at,
    trigger,
    details: {
      windowKey,
      day: today.day,
      refusalRate: round(rate),
      baselineRate: round(usual),
      baselineDays: active.length,
      accepted: today.accepted,
      refusedResources: today.refusedResources,
      refusedSubmissions: today.refusedSubmissions,
      factor: limits.factor,
    },
  };
}

/** Too many rejected submissions in one window: one alert per institution and window. */
export function assessWindow(
  institution: string,
  windowStart: number,
  rejected: number,
  topIssues: readonly IssueCount[],
  limits: QualityLimits['window'],
  trigger: QualityFinding['trigger'] & { at: number },
): QualityFinding | undefined {
  if (rejected <= limits.threshold) return undefined;
  const windowKey = `${institution}@${new Date(windowStart).toISOString()}`;
  const codes = topIssues.map((issue) => `${issue.code}×${issue.count}`).join(', ');
  return {
    alertId: alertIdOf('data-quality', windowKey),
    kind: 'data-quality',
    severity: 'warning',
    summary: `${rejected} submissions from ${institution} rejected within ${Math.round(limits.windowMs / 60_000)} min (limit ${limits.threshold}); top issues today: ${codes || 'none'}`,
    institution,
    at: trigger.at,
    trigger,
    details: { windowKey, rejected, threshold: limits.threshold, windowMs: limits.windowMs, topIssueCodes: codes },
  };
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)} %`;
}

function round(rate: number): number {
  return Math.round(rate * 10_000) / 10_000;
}

/** A content's first record: the earliest day, then the smallest record id (UUIDv7, so the earliest minted). */
export interface ContentFirst {
  recordId: string;
  /** UTC day; null for a first stored before days were kept, which stays first. */
  day: string | null;
}

/**
 * Resubmitted duplicates, the same whatever order instances see the records in: of all records with one content
 * (institution + hash), every one but the earliest is a duplicate on its own day. A record earlier than the stored
 * first takes its place, and the old first is then counted as a duplicate on its day.
 */
export function resubmissions(
  stored: ReadonlyMap<string, ContentFirst>,
  records: readonly { content: string; recordId: string; day: string }[],
): { firsts: Map<string, ContentFirst>; duplicates: { content: string; day: string }[] } {
  const firsts = new Map<string, ContentFirst>();
  const duplicates: { content: string; day: string }[] = [];
  for (const record of records) {
    const first = firsts.get(record.content) ?? stored.get(record.content);
    if (first?.recordId === record.recordId) continue;
    if (first === undefined || earlier(record, first)) {
      if (first !== undefined && first.day !== null) duplicates.push({ content: record.content, day: first.day });
      firsts.set(record.content, { recordId: record.recordId, day: record.day });
    } else duplicates.push({ content: record.content, day: record.day });
  }
  return { firsts, duplicates };
}

function earlier(record: { recordId: string; day: string }, first: ContentFirst): boolean {
  if (first.day === null || record.day !== first.day) return first.day !== null && record.day < first.day;
  return record.recordId < first.recordId;
}
