// Audit events made for analysts: flat, pseudonymised, one event per fact an analyst counts. No free text, no
// ciphertext, no client-chosen ids; practitioners and patients appear only as the platform's pseudonyms.
import { z } from 'zod';
import { caseStates } from './governance';
import { institutionId, patientPseudonym, practitionerRole, purposeOfUse, resourceType } from './common';

const count = z.number().int().min(0);
const decisionId = z.string().min(1).max(64);
const practitioner = z.string().min(1).max(64);

/** One submission to ingestion, as answered: accepted resources, refused entries and the issue codes that refused them. */
export const auditSubmissionV1 = z.strictObject({
  /** The platform's request id (the X-Request-Id answered to the submitter). */
  submissionId: z.string().min(1).max(64),
  institution: institutionId,
  status: z.number().int().min(200).max(599),
  accepted: count,
  refused: count,
  issues: z.array(z.strictObject({ code: z.string().min(1).max(64), count: z.number().int().min(1) })).max(100),
  // Added compatibly to v1 (2026-12, data quality in governance: docs/governance.md); numbers only, no dates or ids.
  /** Seconds from each written resource's clinical date to receipt (a clinical date after receipt counts 0); resources without one are not counted. */
  timeliness: z.strictObject({ resources: count, sumSeconds: count, maxSeconds: count }).optional(),
  /** References of the written resources that resolve to nothing the institution sent, before or in this submission (FHIR base only). */
  danglingReferences: count.optional(),
});

/** One access decision (permit or deny) of a requester's practitioner. */
export const auditDecisionV1 = z.strictObject({
  decisionId,
  institution: institutionId,
  practitioner,
  role: practitionerRole.optional(),
  purpose: z.string().max(32),
  purposeOfUse: purposeOfUse.optional(),
  effect: z.enum(['permit', 'deny']),
  httpStatus: z.number().int().min(200).max(599),
  breakGlass: z.boolean(),
  patient: patientPseudonym.optional(),
  requestedResourceTypes: z.array(resourceType).max(200),
  withheldResourceTypes: z.array(resourceType).max(200),
});

/** What one holder's records disclosed to one recipient institution under one decision (a disclosure per holder → recipient). */
export const auditDisclosureV1 = z.strictObject({
  decisionId,
  holder: institutionId,
  recipient: institutionId,
  practitioner,
  purpose: purposeOfUse,
  breakGlass: z.boolean(),
  deIdentified: z.boolean(),
  patient: patientPseudonym,
  records: count,
  resourceTypes: z.array(resourceType).max(200),
});

/** A patient's data keys destroyed (crypto-shredding): every copy of their records is unreadable from then on. */
export const auditErasureV1 = z.strictObject({
  patient: patientPseudonym,
  destroyedDeks: count,
});

/** An alert about a practitioner's accesses joined governance case `caseId` (a break-glass use opens its review). */
export const auditCaseAlertV1 = z.strictObject({
  caseId: z.string().regex(/^case-[0-9a-f]{40}$/),
  institution: institutionId,
  alertId: z.string().min(1).max(64),
  kind: z.string().regex(/^[a-z][a-z-]{0,63}$/),
  severity: z.enum(['info', 'warning', 'critical']),
  practitioner,
  patient: patientPseudonym.optional(),
  decisionId: decisionId.optional(),
});

/** A step of a case's handling: its state after the step (closed-justified / closed-violation is a review outcome). */
export const auditCaseTransitionV1 = z.strictObject({
  caseId: z.string().regex(/^case-[0-9a-f]{40}$/),
  institution: institutionId,
  action: z.enum(['assigned', 'state-changed', 'note-added', 'escalated']),
  state: z.enum(caseStates),
});
