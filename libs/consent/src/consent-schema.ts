// The subset of FHIR R4 Consent medshare accepts, as zod strict objects: anything else is rejected.
import { z } from 'zod';
import { anyCoding, codeableConceptFrom, codingFrom, oneOf, securityLabelCoding } from './codes';
import { parseDateTime } from './fhir-date-time';
import { fhirParams } from './issues';
import { isR4ResourceType } from './r4-resource-types';
import {
  CONSENT_ACTIONS,
  CONSENT_CATEGORY_CODES,
  CONSENT_CATEGORY_LOINC,
  CONSENT_SCOPES,
  CONSENT_STATUSES,
  POLICY_RULES,
  PRACTITIONER_ROLES,
  RECIPIENT_PARTICIPATIONS,
  SYSTEM,
  isPurposeOfUse,
} from './terminology';

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

const fhirId = z.string().regex(FHIR_ID, { message: 'not a FHIR id ([A-Za-z0-9-.]{1,64})' });

const dateTime = z.string().superRefine((text, ctx) => {
  const parsed = parseDateTime(text);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.problem, ...fhirParams('value') });
});

const instant = dateTime.superRefine((text, ctx) => {
  if (!text.includes('T')) ctx.addIssue({ code: 'custom', message: 'not an instant (date, time and offset)', ...fhirParams('value') });
});

const period = z.strictObject({ start: dateTime.optional(), end: dateTime.optional() }).superRefine((p, ctx) => {
  if (p.start === undefined || p.end === undefined) return;
  const start = parseDateTime(p.start);
  const end = parseDateTime(p.end);
  if (start.ok && end.ok && start.interval.start > end.interval.end) {
    ctx.addIssue({ code: 'custom', message: 'period ends before it starts (per-1)', ...fhirParams('invariant') });
  }
});

/** A Reference by literal `Type/id` only: display and identifier could carry names. */
function referenceTo(types: readonly string[]) {
  const pattern = new RegExp(`^(${types.join('|')})/[A-Za-z0-9\\-.]{1,64}$`);
  return z.strictObject({
    reference: z.string().regex(pattern, { message: `expected a reference to ${types.join(' or ')} as 'Type/id'` }),
  });
}

const actor = z
  .strictObject({
    role: codeableConceptFrom(
      { [SYSTEM.participationType]: oneOf(RECIPIENT_PARTICIPATIONS), [SYSTEM.medshareRole]: oneOf(PRACTITIONER_ROLES) },
      true,
    ).optional(),
    reference: referenceTo(['Organization', 'Practitioner']).optional(),
  })
  .superRefine((a, ctx) => {
    if (a.role === undefined && a.reference === undefined) {
      ctx.addIssue({ code: 'custom', message: 'an actor needs a reference, a role, or both', ...fhirParams('invariant') });
    }
  });

const dataReference = z.strictObject({
  meaning: z.enum(['instance']),
  reference: z.strictObject({
    reference: z.string().superRefine((ref, ctx) => {
      const [type, id, extra] = ref.split('/');
      if (extra !== undefined || !type || !id || !isR4ResourceType(type) || !FHIR_ID.test(id)) {
        ctx.addIssue({ code: 'custom', message: "expected '<R4 resource type>/<record id>'", ...fhirParams('value') });
      }
    }),
  }),
});

export interface ProvisionJson {
  type?: 'deny' | 'permit' | undefined;
  period?: z.infer<typeof period> | undefined;
  actor?: z.infer<typeof actor>[] | undefined;
  action?: { coding: z.infer<typeof anyCoding>[] }[] | undefined;
  securityLabel?: z.infer<typeof anyCoding>[] | undefined;
  purpose?: z.infer<typeof anyCoding>[] | undefined;
  class?: z.infer<typeof anyCoding>[] | undefined;
  code?: { coding: z.infer<typeof anyCoding>[] }[] | undefined;
  dataPeriod?: z.infer<typeof period> | undefined;
  data?: z.infer<typeof dataReference>[] | undefined;
  provision?: ProvisionJson[] | undefined;
}

const provision: z.ZodType<ProvisionJson> = z.lazy(() =>
  z.strictObject({
    type: z.enum(['deny', 'permit']).optional(),
    period: period.optional(),
    actor: z.array(actor).optional(),
    action: z.array(codeableConceptFrom({ [SYSTEM.consentAction]: oneOf(CONSENT_ACTIONS) }, false)).optional(),
    securityLabel: z.array(securityLabelCoding).optional(),
    purpose: z.array(codingFrom({ [SYSTEM.actReason]: isPurposeOfUse })).optional(),
    class: z.array(codingFrom({ [SYSTEM.resourceTypes]: isR4ResourceType })).optional(),
    code: z.array(z.strictObject({ coding: z.array(anyCoding) })).optional(),
    dataPeriod: period.optional(),
    data: z.array(dataReference).optional(),
    provision: z.array(provision).optional(),
  }),
);

export const consentSchema = z.strictObject({
  resourceType: z.literal('Consent'),
  id: fhirId,
  meta: z
    .strictObject({
      versionId: fhirId.optional(),
      lastUpdated: instant.optional(),
      security: z.array(securityLabelCoding).optional(),
    })
    .optional(),
  status: z.enum(CONSENT_STATUSES),
  scope: codeableConceptFrom({ [SYSTEM.consentScope]: oneOf(CONSENT_SCOPES) }, true),
  category: z.array(codeableConceptFrom({ [SYSTEM.consentCategory]: oneOf(CONSENT_CATEGORY_CODES), [SYSTEM.loinc]: oneOf(CONSENT_CATEGORY_LOINC) }, false)),
  patient: referenceTo(['Patient']),
  dateTime: dateTime.optional(),
  performer: z.array(referenceTo(['Organization', 'Patient', 'Practitioner', 'RelatedPerson', 'PractitionerRole'])).optional(),
  organization: z.array(referenceTo(['Organization'])).optional(),
  policy: z.array(z.strictObject({ authority: z.string().optional(), uri: z.string().optional() })).optional(),
  policyRule: codeableConceptFrom({ [SYSTEM.actCode]: oneOf(POLICY_RULES) }, true).optional(),
  verification: z
    .array(
      z.strictObject({
        verified: z.boolean(),
        verifiedWith: referenceTo(['Patient', 'RelatedPerson']).optional(),
        verificationDate: dateTime.optional(),
      }),
    )
    .optional(),
  provision: provision.optional(),
});

export type ConsentResource = z.infer<typeof consentSchema>;

/** Every element name the schema above accepts, at any depth: intake walks these and never names another. */
export const CONSENT_ELEMENTS: ReadonlySet<string> = new Set([
  'resourceType',
  'id',
  'meta',
  'versionId',
  'lastUpdated',
  'security',
  'status',
  'scope',
  'category',
  'patient',
  'dateTime',
  'performer',
  'organization',
  'policy',
  'authority',
  'uri',
  'policyRule',
  'verification',
  'verified',
  'verifiedWith',
  'verificationDate',
  'provision',
  'type',
  'period',
  'start',
  'end',
  'actor',
  'role',
  'reference',
  'action',
  'securityLabel',
  'purpose',
  'class',
  'code',
  'dataPeriod',
  'data',
  'meaning',
  'coding',
  'system',
  'display',
]);
