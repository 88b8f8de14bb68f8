// The ingestion service's HTTP contract: the hospitals' FHIR door. Add a route: one entry in `routes`.
import { z } from 'zod';
import { jsonObject, type HttpApi } from './openapi';

const FHIR_BODY = { 'application/fhir+json': jsonObject, 'application/json': jsonObject };

/** An Idempotency-Key: visible ASCII, 1-200 characters (stored only as a keyed hash). */
export const idempotencyKey = z.string().regex(/^[\x21-\x7e]{1,200}$/);

export const submissionAccepted = z.strictObject({
  requestId: z.string(),
  events: z.array(z.string()),
  records: z.array(z.strictObject({ entry: z.number().int().min(0).optional(), recordId: z.string(), resourceType: z.string(), eventId: z.string() })),
});

export const ingestionApi: HttpApi = {
  service: 'ingestion',
  description: 'FHIR R4 intake: validates, pseudonymises, seals (HPKE) and publishes records. Every error is a FHIR OperationOutcome.',
  fhirPaths: ['/'],
  routes: [
    {
      method: 'post',
      path: '/v1/fhir',
      summary: 'submit a FHIR R4 resource or transaction/batch Bundle',
      auth: 'institution',
      headers: z.object({ 'idempotency-key': idempotencyKey.optional() }),
      body: FHIR_BODY,
      answers: {
        202: { description: 'sealed and published', content: { 'application/json': submissionAccepted }, headers: { 'Idempotent-Replayed': 'true on a replayed answer', 'X-Request-Id': 'the request id' } },
        400: { description: 'malformed JSON or request' },
        401: { description: 'no valid institution token' },
        409: { description: 'the Idempotency-Key is in use by another request or another body' },
        413: { description: 'the body exceeds MAX_BODY_BYTES' },
        415: { description: 'not application/fhir+json or application/json' },
        422: { description: 'the resources are not valid FHIR R4 (issues with element paths)' },
        503: { description: 'Kafka or PostgreSQL unavailable: retry after Retry-After', headers: { 'Retry-After': 'seconds' } },
      },
    },
  ],
};
