// Alerts raised by governance monitoring and by services that detect trouble themselves.
import { z } from 'zod';
import { instant, institutionId, patientPseudonym } from './common';

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
    // Added compatibly to v1 (2026-12, governance privacy monitoring: docs/governance.md); readers store unknown kinds as they come.
    'access-baseline',
    'access-peers',
    'off-hours',
    'practitioner-denials',
    'self-access',
    'coworker-access',
    'household-access',
    'vip-access',
    'no-care-relationship',
    'role-revoked',
    'research-burst',
    'data-quality-rate',
    'dead-letters',
    'outage',
    'volume-drop',
  ]),
  severity: z.enum(['info', 'warning', 'critical']),
  summary: z.string().min(1).max(1000),
  institution: institutionId.optional(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

export const caseStates = ['open', 'acknowledged', 'investigating', 'closed-justified', 'closed-violation', 'closed-false-positive'] as const;

/** A note sealed with AES-256-GCM under the case institution's notes key (`keyId`); the AAD binds case, note and institution. */
const sealedNote = z.strictObject({
  noteId: z.string().min(1).max(64),
  keyId: z.string().min(1).max(80),
  iv: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/),
  ciphertext: z
    .string()
    .regex(/^[A-Za-z0-9+/]*={0,2}$/)
    .max(20_000),
  tag: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/),
});

/**
 * One step of a governance case's handling (a case opens with its first alert, which is on the alerts topic):
 * an officer's assignment, state change or note, or the escalation of an overdue case. Actors are officer
 * login ids; notes are sealed, never in the clear.
 */
export const governanceCaseV1 = z.strictObject({
  caseId: z.string().regex(/^case-[0-9a-f]{40}$/),
  institution: institutionId,
  action: z.enum(['assigned', 'state-changed', 'note-added', 'escalated']),
  state: z.enum(caseStates),
  actor: z
    .string()
    .regex(/^[A-Za-z0-9._@:-]{1,128}$/)
    .optional(),
  assignee: z
    .string()
    .regex(/^[A-Za-z0-9._@:-]{1,128}$/)
    .optional(),
  note: sealedNote.optional(),
  dueAt: instant.optional(),
  patient: patientPseudonym.optional(),
});
