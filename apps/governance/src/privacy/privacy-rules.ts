// The privacy rules, pure: what each access contributes to which counter, and when a counter or a relationship
// between practitioner and patient is a finding. No clock and no I/O: the same facts and state give the same alerts.
import { createHash } from 'node:crypto';
import type { EventData } from '@medshare/contracts';
import type { AccessFact } from './access-fact';
import { isWorkingTime, localTimeOf, type WorkingHours } from './working-hours';

export type Severity = EventData<'governance.alert.v1'>['severity'];

export type PrivacyKind =
  | 'access-volume'
  | 'access-baseline'
  | 'access-peers'
  | 'off-hours'
  | 'practitioner-denials'
  | 'denied-spike'
  | 'research-burst'
  | 'self-access'
  | 'coworker-access'
  | 'household-access'
  | 'vip-access'
  | 'no-care-relationship'
  | 'role-revoked';

export interface WindowLimit {
  /** Counted in fixed windows of this length (epoch-aligned), so every instance counts into the same window. */
  windowMs: number;
  /** Fires when a window holds more than this. */
  threshold: number;
}

export interface PrivacyLimits {
  /** Distinct patients per practitioner and window: the absolute limit, and the window the baselines compare. */
  volume: WindowLimit;
  /** Against the practitioner's own median over the active windows of the last `days` days. */
  baseline: { factor: number; minPatients: number; days: number; minWindows: number };
  /** Against the median of peers (same institution and role) over the same period. */
  peers: { factor: number; minPatients: number; minPeers: number };
  /** Distinct patients read outside working hours per practitioner and local day. */
  offHours: { threshold: number };
  practitionerDenials: WindowLimit;
  deniedSpike: WindowLimit;
  /** Distinct patients read under purpose HRESCH per practitioner and window. */
  research: WindowLimit;
  /** A TREAT read needs a record of the reading institution for the patient within this many days. */
  careDays: number;
  /** FHIR security labels that make a patient a VIP. */
  vipLabels: readonly string[];
  workingHours(institution: string): WorkingHours;
}

export type CounterName = 'patients' | 'off-hours' | 'denials' | 'denied-institution' | 'research';

/** One item (a patient, a decision) that one access adds to one counter window. */
export interface Contribution {
  counter: CounterName;
  /** Whose window: `institution/practitioner`, or the institution. */
  key: string;
  /** Peers share a group (`institution/role`); empty where no peer comparison is made. */
  peerGroup: string;
  /** Window start (epoch ms); for off-hours the local day (Date.UTC of the local date). */
  bucket: number;
  item: string;
}

/** A counter window after the batch's items were added: how many distinct items it holds. */
export interface CounterWindow {
  counter: CounterName;
  key: string;
  bucket: number;
  count: number;
  /** The newest access that added to it in this batch: the alert's cause. */
  trigger: AccessFact;
}

/** The distinct-patient counts of earlier windows, for the baseline rules (active windows only). */
export interface Baselines {
  own: readonly number[];
  peers: readonly number[];
  peerCount: number;
}

export interface Finding {
  alertId: string;
  kind: PrivacyKind;
  severity: Severity;
  summary: string;
  institution: string;
  practitioner?: string;
  patient?: string;
  /** Event time of the trigger: when the breach happened. */
  at: number;
  trigger: { id: string; correlationid: string };
  details: Record<string, string | number | boolean>;
}

const practitionerKey = (fact: AccessFact) => `${fact.institution}/${fact.practitioner}`;
const bucketOf = (at: number, windowMs: number) => Math.floor(at / windowMs) * windowMs;

export function contributionsOf(fact: AccessFact, limits: PrivacyLimits): Contribution[] {
  const key = practitionerKey(fact);
  const subject = fact.patient ?? `decision:${fact.id}`;
  const peerGroup = fact.role === undefined ? '' : `${fact.institution}/${fact.role}`;
  // Asking is the signal: denied reads count towards volume too.
  const contributions: Contribution[] = [{ counter: 'patients', key, peerGroup, bucket: bucketOf(fact.at, limits.volume.windowMs), item: subject }];
  if (!fact.permitted) {
    contributions.push({ counter: 'denials', key, peerGroup: '', bucket: bucketOf(fact.at, limits.practitionerDenials.windowMs), item: fact.id });
    contributions.push({
      counter: 'denied-institution',
      key: fact.institution,
      peerGroup: '',
      bucket: bucketOf(fact.at, limits.deniedSpike.windowMs),
      item: fact.id,
    });
  }
  if (fact.permitted && !fact.breakGlass) {
    const local = localTimeOf(fact.at, limits.workingHours(fact.institution).timeZone);
    if (!isWorkingTime(local, limits.workingHours(fact.institution))) {
      contributions.push({ counter: 'off-hours', key, peerGroup: '', bucket: Date.parse(`${local.date}T00:00:00Z`), item: subject });
    }
  }
  if (fact.purpose === 'HRESCH')
    contributions.push({ counter: 'research', key, peerGroup: '', bucket: bucketOf(fact.at, limits.research.windowMs), item: subject });
  return contributions;
}

/** Whether a counter window is a finding. Baselines are needed only for `patients` windows at or above the floor. */
export function assessWindow(window: CounterWindow, limits: PrivacyLimits, baselines?: Baselines): Finding[] {
  const { counter, key, bucket, count, trigger } = window;
  const windowKey = `${key}@${new Date(bucket).toISOString()}`;
  const base = { institution: trigger.institution, at: trigger.at, trigger: { id: trigger.id, correlationid: trigger.correlationid } };
  const who = { practitioner: trigger.practitioner };
  const finding = (kind: PrivacyKind, severity: Severity, summary: string, details: Finding['details'], extra: Partial<Finding> = who): Finding => ({
    alertId: alertIdOf(kind, windowKey),
    kind,
    severity,
    summary,
    ...base,
    ...extra,
    details: { ...details, windowKey },
  });
  switch (counter) {
    case 'patients': {
      const findings: Finding[] = [];
      const { windowMs, threshold } = limits.volume;
      if (count > threshold)
        findings.push(
          finding(
            'access-volume',
            'warning',
            `practitioner ${trigger.practitioner} of ${trigger.institution} asked for ${count} patients within ${duration(windowMs)} (limit ${threshold})`,
            { patients: count, threshold, windowMs },
          ),
        );
      if (!baselines) return findings;
      const own = limits.baseline;
      const ownMedian = median(baselines.own);
      if (count >= own.minPatients && baselines.own.length >= own.minWindows && count > own.factor * ownMedian) {
        findings.push(
          finding(
            'access-baseline',
            'warning',
            `practitioner ${trigger.practitioner} of ${trigger.institution} asked for ${count} patients within ${duration(windowMs)}, ${own.factor}× above their ${own.days}-day median of ${ownMedian}`,
            { patients: count, median: ownMedian, factor: own.factor, windows: baselines.own.length },
          ),
        );
      }
      const peers = limits.peers;
      const peerMedian = median(baselines.peers);
      if (count >= peers.minPatients && baselines.peerCount >= peers.minPeers && count > peers.factor * peerMedian) {
        findings.push(
          finding(
            'access-peers',
            'warning',
            `practitioner ${trigger.practitioner} of ${trigger.institution} asked for ${count} patients within ${duration(windowMs)}, ${peers.factor}× above the median of ${baselines.peerCount} peers (${peerMedian})`,
            { patients: count, peerMedian, factor: peers.factor, peers: baselines.peerCount, role: trigger.role ?? '' },
          ),
        );
      }
      return findings;
    }
    case 'off-hours':
      if (count <= limits.offHours.threshold) return [];
      return [
        finding(
          'off-hours',
          'info',
          `practitioner ${trigger.practitioner} of ${trigger.institution} read ${count} patients outside working hours on one local day (limit ${limits.offHours.threshold})`,
          { patients: count, threshold: limits.offHours.threshold },
        ),
      ];
    case 'denials': {
      const { windowMs, threshold } = limits.practitionerDenials;
      if (count <= threshold) return [];
      return [
        finding(
          'practitioner-denials',
          'warning',
          `practitioner ${trigger.practitioner} of ${trigger.institution} was denied ${count} times within ${duration(windowMs)} (limit ${threshold})`,
          { denied: count, threshold, windowMs },
        ),
      ];
    }
    case 'denied-institution': {
      const { windowMs, threshold } = limits.deniedSpike;
      if (count <= threshold) return [];
      return [
        finding(
          'denied-spike',
          'warning',
          `${count} access requests from ${trigger.institution} denied within ${duration(windowMs)} (limit ${threshold})`,
          { denied: count, threshold, windowMs },
          {},
        ),
      ];
    }
    case 'research': {
      const { windowMs, threshold } = limits.research;
      if (count <= threshold) return [];
      return [
        finding(
          'research-burst',
          'warning',
          `practitioner ${trigger.practitioner} of ${trigger.institution} read ${count} patients for research within ${duration(windowMs)} (limit ${threshold})`,
          { patients: count, threshold, windowMs },
        ),
      ];
    }
  }
}

/** What the monitor knows about the two people of one access: keyed tokens, never names. */
export interface RelationContext {
  practitioner?: { familyName: readonly string[]; address: readonly string[]; patient?: string };
  patient?: { familyName: readonly string[]; address: readonly string[]; securityLabels: readonly string[] };
  /** The patient is the own patient record of someone on the reading institution's roster. */
  staff: boolean;
  /** The patient is on an institution's restricted list. */
  restricted: boolean;
  /** Newest clinical time of a record of the reading institution for the patient, at or before the access. */
  lastCareAt?: number;
  /** The practitioner's role registrations, oldest first. */
  roles: readonly { role: string; at: number }[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Findings about who read whom. One alert per kind, practitioner, patient and UTC day, however often they read. */
export function assessRelations(fact: AccessFact, context: RelationContext, limits: PrivacyLimits): Finding[] {
  const findings: Finding[] = [];
  const day = new Date(bucketOf(fact.at, DAY_MS)).toISOString().slice(0, 10);
  const who = `practitioner ${fact.practitioner} of ${fact.institution}`;
  const add = (kind: PrivacyKind, severity: Severity, summary: string, details: Finding['details'] = {}) => {
    const windowKey = `${practitionerKey(fact)}/${fact.patient ?? '-'}@${day}`;
    findings.push({
      alertId: alertIdOf(kind, windowKey),
      kind,
      severity,
      summary,
      institution: fact.institution,
      practitioner: fact.practitioner,
      ...(fact.patient === undefined ? {} : { patient: fact.patient }),
      at: fact.at,
      trigger: { id: fact.id, correlationid: fact.correlationid },
      details: { ...details, windowKey },
    });
  };
  const revokedRole = revokedRoleAt(fact, context.roles);
  if (revokedRole)
    add('role-revoked', 'critical', `${who} acted as ${revokedRole} after that role was replaced`, { role: revokedRole, permitted: fact.permitted });
  if (!fact.permitted || fact.patient === undefined) return findings;
  const self = context.practitioner?.patient === fact.patient;
  if (self) add('self-access', 'critical', `${who} read their own record`);
  else if (context.staff) add('coworker-access', 'warning', `${who} read the record of a member of staff of ${fact.institution}`);
  if (!self && context.practitioner && context.patient) {
    const sameAddress = overlaps(context.practitioner.address, context.patient.address);
    const sameFamily = overlaps(context.practitioner.familyName, context.patient.familyName);
    if (sameAddress || sameFamily) {
      const match = sameAddress && sameFamily ? 'address and family name' : sameAddress ? 'address' : 'family name';
      add('household-access', sameAddress && sameFamily ? 'critical' : 'warning', `${who} read the record of a patient with the same ${match}`, {
        sameAddress,
        sameFamilyName: sameFamily,
      });
    }
  }
  const labels = (context.patient?.securityLabels ?? []).filter((label) => limits.vipLabels.includes(label));
  if (labels.length > 0 || context.restricted) {
    add(
      'vip-access',
      'warning',
      `${who} read the record of a ${labels.length > 0 ? `patient labelled ${labels.join(', ')}` : 'patient on the restricted list'}`,
      { labels: labels.join(','), restricted: context.restricted },
    );
  }
  if (fact.purpose === 'TREAT' && !fact.breakGlass && (context.lastCareAt === undefined || context.lastCareAt < fact.at - limits.careDays * DAY_MS)) {
    add(
      'no-care-relationship',
      'warning',
      `${who} read a patient for treatment without a record of ${fact.institution} for them in the last ${limits.careDays} days`,
      { careDays: limits.careDays },
    );
  }
  return findings;
}

/** The role the request claimed, if the practitioner held it once but a later registration (before the access) replaced it. */
function revokedRoleAt(fact: AccessFact, roles: RelationContext['roles']): string | undefined {
  if (fact.role === undefined) return undefined;
  const before = roles.filter((registration) => registration.at <= fact.at);
  const current = before.at(-1);
  if (!current || current.role === fact.role) return undefined;
  return before.some((registration) => registration.role === fact.role) ? fact.role : undefined;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Derived from the rule and the window (not the trigger): whichever instance sees the breach raises the same id. */
export function alertIdOf(kind: string, windowKey: string): string {
  return `${kind}-${createHash('sha256').update(`${kind}\n${windowKey}`).digest('hex').slice(0, 40)}`;
}

function overlaps(a: readonly string[], b: readonly string[]): boolean {
  return a.some((token) => b.includes(token));
}

function duration(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}
