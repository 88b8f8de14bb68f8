// The access-control service's HTTP contract: consents, agreements, roles, decisions and the read path. Add a
// route: one entry in `routes`.
import { z } from 'zod';
import { fhirTypeAndId, jsonObject, type HttpAnswer, type HttpApi, type HttpRoute } from './openapi';

const FHIR_JSON = 'application/fhir+json';
const JSON_BODY = { 'application/json': jsonObject, [FHIR_JSON]: jsonObject };

/** POST /v1/decisions: the question, checked further by the decision intake (libs/consent). */
export const decisionQuestion = z.strictObject({
  patient: z.string(),
  purpose: z.unknown(),
  resourceTypes: z.unknown().optional(),
  reason: z.unknown().optional(),
});

export const decisionAnswer = z.strictObject({
  decisionId: z.string(),
  effect: z.enum(['permit', 'deny']),
  final: z.boolean(),
  reasons: z.array(z.string()),
  decidingConsent: z.string().optional(),
  decidingRule: z.string().optional(),
  breakGlass: z.boolean(),
  obligations: jsonObject,
  reachableHolders: z.array(z.string()),
});

const refusals: Record<number, HttpAnswer> = {
  400: { description: 'invalid input (element paths, never values)' },
  401: { description: 'no valid institution token' },
  403: { description: 'not allowed' },
  503: { description: 'Kafka unavailable: retry after Retry-After', headers: { 'Retry-After': 'seconds' } },
};
const submissionRefusals: Record<number, HttpAnswer> = {
  ...refusals,
  409: { description: 'conflicts with what is recorded' },
  413: { description: 'the body is too large' },
  415: { description: 'not JSON' },
};

export const accessControlApi: HttpApi = {
  service: 'access-control',
  description:
    'Consents, agreements and roles in; access decisions and permitted reads out (every decision on the ledger). Errors under /v1/consents and /v1/patients are FHIR OperationOutcomes, elsewhere RFC 9457 problem details.',
  fhirPaths: ['/v1/consents', '/v1/patients'],
  routes: [
    {
      method: 'post',
      path: '/v1/consents',
      summary: 'record a FHIR R4 Consent',
      auth: 'institution',
      body: JSON_BODY,
      answers: { 201: { description: 'the Consent as recorded, under its platform id', content: { [FHIR_JSON]: jsonObject } }, ...submissionRefusals },
    },
    {
      method: 'post',
      path: '/v1/agreements',
      summary: 'record a data-sharing agreement',
      auth: 'institution',
      body: JSON_BODY,
      answers: { 201: { description: 'the agreement as recorded', content: { 'application/json': jsonObject } }, ...submissionRefusals },
    },
    {
      method: 'post',
      path: '/v1/roles',
      summary: "register a practitioner's role",
      auth: 'institution',
      body: JSON_BODY,
      answers: { 201: { description: 'the role as registered', content: { 'application/json': jsonObject } }, ...submissionRefusals },
    },
    {
      method: 'post',
      path: '/v1/decisions',
      summary: 'ask for an access decision (recorded, permit or deny)',
      auth: 'institution',
      body: { 'application/json': decisionQuestion },
      answers: { 200: { description: 'the decision', content: { 'application/json': decisionAnswer } }, ...refusals, 415: { description: 'not JSON' } },
    },
    {
      method: 'get',
      path: '/v1/decisions/{decisionId}/break-glass-reason',
      summary: 'review the sealed reason of a break-glass decision (itself a recorded decision)',
      auth: 'institution',
      params: z.object({ decisionId: z.string().regex(/^[0-9a-f-]{36}$/) }),
      answers: {
        200: {
          description: 'the reason, and whether it matches the hash on the ledger',
          content: {
            'application/json': z.strictObject({
              reviewDecisionId: z.string(),
              decisionId: z.string(),
              reason: z.string(),
              reasonHash: z.string(),
              matchesLedger: z.boolean(),
            }),
          },
        },
        404: { description: 'no break-glass decision with that id' },
        ...refusals,
      },
    },
    {
      method: 'get',
      path: '/fhir/R4/metadata',
      summary: 'the CapabilityStatement of the read-back API',
      auth: 'institution',
      answers: { 200: { description: 'CapabilityStatement', content: { [FHIR_JSON]: jsonObject } }, 401: refusals[401], 403: refusals[403] },
    },
    ...(
      [
        ['/fhir/R4/{type}', "search the institution's own submissions (patient.identifier, type, date)", 'a searchset Bundle'],
        ['/fhir/R4/{type}/{id}', "read one of the institution's own submissions", 'the resource'],
        ['/fhir/R4/{type}/{id}/_history', "the versions of one of the institution's own submissions", 'a history Bundle'],
      ] as const
    ).map(([path, summary, answer]): HttpRoute => ({
      method: 'get',
      path,
      summary,
      auth: 'institution',
      params: path.includes('{id}') ? fhirTypeAndId : fhirTypeAndId.pick({ type: true }),
      query: z.looseObject({}),
      answers: {
        200: { description: answer, content: { [FHIR_JSON]: jsonObject } },
        404: { description: 'no such resource' },
        410: { description: 'the patient was erased' },
        ...refusals,
      },
    })),
    {
      method: 'get',
      path: '/v1/patients/{patientRef}/records',
      summary: "read a patient's records under a purpose (a recorded decision and disclosure)",
      auth: 'institution',
      params: z.object({ patientRef: z.string() }),
      query: z.strictObject({ purpose: z.string(), types: z.string().optional(), reason: z.string().optional() }),
      answers: {
        200: {
          description: 'a searchset Bundle of the permitted records',
          content: { [FHIR_JSON]: z.looseObject({ resourceType: z.literal('Bundle'), type: z.literal('searchset') }) },
          headers: {
            'X-Medshare-Decision': 'permit or deny',
            'X-Medshare-Decision-Id': 'the decision id',
            'X-Medshare-Withheld-Types': 'types withheld',
            'X-Medshare-Pending-Types': 'types not yet readable',
          },
        },
        410: { description: 'the patient was erased' },
        ...refusals,
      },
    },
    {
      method: 'get',
      path: '/v1/patients/{patientRef}/files/{fileId}',
      summary: 'read one attachment under a purpose, whole or one byte range (a recorded decision and disclosure)',
      auth: 'institution',
      params: z.object({ patientRef: z.string(), fileId: z.string() }),
      query: z.strictObject({ purpose: z.string(), reason: z.string().optional() }),
      headers: z.object({ range: z.string().optional() }),
      answers: {
        200: { description: 'the whole file', headers: { 'X-Medshare-Decision-Id': 'the decision id', 'Accept-Ranges': 'bytes' } },
        206: { description: 'the byte range asked for', headers: { 'Content-Range': 'bytes start-end/size', 'X-Medshare-Decision-Id': 'the decision id' } },
        410: { description: 'the patient was erased' },
        416: { description: 'the range starts past the end', headers: { 'Content-Range': 'bytes */size' } },
        ...refusals,
      },
    },
  ],
};
