// A read request as the access-control service hands it over, validated: bad input is a 400.
import { z } from 'zod';
import { parseDateTime } from './fhir-date-time';
import { emptyElementIssues, fhirParams, fromZodIssues, mergeIssues, tooDeepIssues, type Issue } from './issues';
import { isR4ResourceType, type R4ResourceType } from './r4-resource-types';
import { PRACTITIONER_ROLES, REQUEST_PURPOSES, type PractitionerRole, type RequestPurpose } from './terminology';

export interface AccessRequest {
  readonly requester: {
    readonly institution: string;
    readonly practitioner: string;
    /** The role the token claims; decide checks it against the registered one. */
    readonly role: PractitionerRole;
  };
  /** The patient's pseudonym. */
  readonly patient: string;
  /** Institutions that hold records of the patient. */
  readonly holders: readonly string[];
  readonly purpose: RequestPurpose;
  readonly resourceTypes: readonly R4ResourceType[];
  /** Mandatory, non-blank, for break-glass (ETREAT). */
  readonly reason?: string;
  /** The instant of the request (with offset). */
  readonly now: string;
}

const medshareId = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, { message: 'not a medshare id ([A-Za-z0-9-.]{1,64})' });

const accessRequestSchema = z.strictObject({
  requester: z.strictObject({ institution: medshareId, practitioner: medshareId, role: z.enum(PRACTITIONER_ROLES) }),
  patient: medshareId,
  holders: z.array(medshareId),
  purpose: z.enum(REQUEST_PURPOSES),
  resourceTypes: z.array(z.string().refine(isR4ResourceType, { message: 'not an R4 resource type name (exact spelling)', ...fhirParams('code-invalid') })),
  reason: z.string().optional(),
  now: z.string().superRefine((text, ctx) => {
    const parsed = parseDateTime(text);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.problem, ...fhirParams('value') });
    else if (!text.includes('T')) ctx.addIssue({ code: 'custom', message: 'now must be an instant', ...fhirParams('value') });
  }),
});

export type AccessRequestIntake = { ok: true; request: AccessRequest } | { ok: false; issues: Issue[] };

/**
 * Elements that may be empty: a blank reason is for decide to refuse; a patient nobody holds has no holder and no
 * resource types, and must be answered like any patient the requester may not see, not as bad input.
 */
const MAY_BE_EMPTY = new Set(['AccessRequest.reason', 'AccessRequest.holders', 'AccessRequest.resourceTypes']);

const REQUEST_ELEMENTS: ReadonlySet<string> = new Set([
  'requester',
  'institution',
  'practitioner',
  'role',
  'patient',
  'holders',
  'purpose',
  'resourceTypes',
  'reason',
  'now',
]);

export function parseAccessRequest(json: unknown): AccessRequestIntake {
  const tooDeep = tooDeepIssues('AccessRequest', json);
  if (tooDeep.length > 0) return { ok: false, issues: tooDeep };
  const parsed = accessRequestSchema.safeParse(json, { reportInput: true });
  const emptyIssues = emptyElementIssues('AccessRequest', json, REQUEST_ELEMENTS).filter((i) => !MAY_BE_EMPTY.has(i.expression[0]!));
  if (!parsed.success) return { ok: false, issues: mergeIssues(emptyIssues, fromZodIssues('AccessRequest', parsed.error.issues)) };
  if (emptyIssues.length > 0) return { ok: false, issues: emptyIssues };
  return { ok: true, request: parsed.data as AccessRequest };
}
