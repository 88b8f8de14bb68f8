// How alerts become cases and how a case may move, pure: which case an alert joins, the case's severity, risk
// score and due time, and the allowed state transitions.
import { createHash } from 'node:crypto';
import { caseStates, patientPseudonym } from '@medshare/contracts';

export type CaseState = (typeof caseStates)[number];
export type CaseSeverity = 'info' | 'warning' | 'critical';

export interface CaseLimits {
  /** Alerts about the same practitioner and patient within one such window (epoch-aligned) form one case. */
  windowMs: number;
  /** Time to review a break-glass use; then the case escalates unless acknowledged. */
  breakGlassReviewMs: number;
  /** Time to acknowledge a case by its severity. */
  dueMs: Record<CaseSeverity, number>;
}

/** What a case needs of an alert (as stored from the alerts topic). */
export interface CaseAlert {
  alertId: string;
  kind: string;
  severity: CaseSeverity;
  institution: string | null;
  details: Record<string, string | number | boolean> | null;
  raisedAt: string;
}

export interface CaseKey {
  caseId: string;
  institution: string;
  practitioner: string;
  patient: string | null;
  windowStart: number;
}

/** Alerts about a practitioner's accesses join a case; platform alerts (tamper, lag, quality) do not. */
export function caseKeyOf(alert: CaseAlert, limits: CaseLimits): CaseKey | undefined {
  const practitioner = alert.details?.practitioner;
  // Details are free-form: only what the case and audit contracts accept names a case (anything else would be refused
  // at every publish and stall the consumers that replay the alerts topic).
  if (alert.institution === null || typeof practitioner !== 'string' || practitioner.length === 0 || practitioner.length > 64) return undefined;
  const patient = patientPseudonym.safeParse(alert.details?.patient).success ? (alert.details?.patient as string) : null;
  const windowStart = Math.floor(Date.parse(alert.raisedAt) / limits.windowMs) * limits.windowMs;
  const digest = createHash('sha256')
    .update(JSON.stringify([alert.institution, practitioner, patient, windowStart]))
    .digest('hex')
    .slice(0, 40);
  return { caseId: `case-${digest}`, institution: alert.institution, practitioner, patient, windowStart };
}

const SEVERITY_RANK: Record<CaseSeverity, number> = { info: 0, warning: 1, critical: 2 };

/** A break-glass use is a review item, not an emergency of its own: it enters the queue as info. */
export function caseSeverityOf(alert: CaseAlert): CaseSeverity {
  return alert.kind === 'break-glass' ? 'info' : alert.severity;
}

export function higherSeverity(a: CaseSeverity, b: CaseSeverity): CaseSeverity {
  return SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b;
}

export function dueAtOf(alert: CaseAlert, limits: CaseLimits): number {
  const raised = Date.parse(alert.raisedAt);
  return raised + (alert.kind === 'break-glass' ? limits.breakGlassReviewMs : limits.dueMs[caseSeverityOf(alert)]);
}

/** How much each finding weighs: a person's own record or household outranks a busy afternoon. */
const KIND_WEIGHTS: Record<string, number> = {
  'self-access': 60,
  'role-revoked': 50,
  'household-access': 45,
  'vip-access': 40,
  'coworker-access': 30,
  'no-care-relationship': 30,
  'access-baseline': 25,
  'access-volume': 25,
  'access-peers': 20,
  'research-burst': 20,
  'practitioner-denials': 15,
  'off-hours': 10,
  'break-glass': 10,
};

/** 0–100: the weights of the distinct kinds, plus 5 per further alert (repetition), plus 10 once escalated. */
export function riskScoreOf(kinds: readonly string[], alertCount: number, escalated: boolean): number {
  const weights = [...new Set(kinds)].reduce((sum, kind) => sum + (KIND_WEIGHTS[kind] ?? 10), 0);
  return Math.min(100, weights + 5 * Math.max(0, alertCount - kinds.length) + (escalated ? 10 : 0));
}

const CLOSED: readonly CaseState[] = ['closed-justified', 'closed-violation', 'closed-false-positive'];
const NEXT: Record<CaseState, readonly CaseState[]> = {
  open: ['acknowledged', 'investigating', ...CLOSED],
  acknowledged: ['investigating', ...CLOSED],
  investigating: CLOSED,
  // A closed case can be reopened for investigation (new information), never silently reset to open.
  'closed-justified': ['investigating'],
  'closed-violation': ['investigating'],
  'closed-false-positive': ['investigating'],
};

export function canTransition(from: CaseState, to: CaseState): boolean {
  return NEXT[from].includes(to);
}

/** Only an open, unacknowledged case escalates: acknowledging (or any later state) stops it. */
export function isOverdue(state: CaseState, dueAt: number | null, escalated: boolean, now: number): boolean {
  return state === 'open' && !escalated && dueAt !== null && dueAt < now;
}

/** A case as the projection keeps it (times in epoch ms). */
export interface CaseRecord {
  caseId: string;
  institution: string;
  practitioner: string | null;
  patient: string | null;
  windowStart: number | null;
  kinds: string[];
  severity: CaseSeverity;
  riskScore: number;
  state: CaseState;
  assignee: string | null;
  dueAt: number | null;
  escalatedAt: number | null;
  alertCount: number;
  openedAt: number | null;
  updatedAt: number;
}

/** A case known only from a handling event so far (a rebuild may read the cases topic before the alerts topic). */
export function emptyCase(caseId: string, institution: string, at: number): CaseRecord {
  return {
    caseId,
    institution,
    practitioner: null,
    patient: null,
    windowStart: null,
    kinds: [],
    severity: 'info',
    riskScore: 0,
    state: 'open',
    assignee: null,
    dueAt: null,
    escalatedAt: null,
    alertCount: 0,
    openedAt: null,
    updatedAt: at,
  };
}

export function withAlert(current: CaseRecord, key: CaseKey, alert: CaseAlert, limits: CaseLimits): CaseRecord {
  const raised = Date.parse(alert.raisedAt);
  const kinds = [...new Set([...current.kinds, alert.kind])].sort();
  const alertCount = current.alertCount + 1;
  const due = dueAtOf(alert, limits);
  const severity = higherSeverity(current.severity, caseSeverityOf(alert));
  return {
    ...current,
    practitioner: key.practitioner,
    patient: key.patient,
    windowStart: key.windowStart,
    kinds,
    alertCount,
    severity: current.escalatedAt === null ? severity : 'critical',
    dueAt: current.dueAt === null ? due : Math.min(current.dueAt, due),
    openedAt: current.openedAt === null ? raised : Math.min(current.openedAt, raised),
    updatedAt: Math.max(current.updatedAt, raised),
    riskScore: riskScoreOf(kinds, alertCount, current.escalatedAt !== null),
  };
}

export interface CaseChange {
  action: 'assigned' | 'state-changed' | 'note-added' | 'escalated';
  state: CaseState;
  assignee?: string;
}

export function withChange(current: CaseRecord, change: CaseChange, at: number): CaseRecord {
  const escalatedAt = change.action === 'escalated' ? (current.escalatedAt ?? at) : current.escalatedAt;
  return {
    ...current,
    state: change.state,
    assignee: change.action === 'assigned' ? (change.assignee ?? null) : current.assignee,
    escalatedAt,
    severity: escalatedAt === null ? current.severity : 'critical',
    riskScore: riskScoreOf(current.kinds, current.alertCount, escalatedAt !== null),
    updatedAt: Math.max(current.updatedAt, at),
  };
}
