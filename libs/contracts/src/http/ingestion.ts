// The ingestion service's HTTP contract: the hospitals' FHIR door. Add a route: one entry in `routes`.
import { z } from 'zod';
import { fhirTypeAndId, jsonObject, type HttpAnswer, type HttpApi, type HttpRoute } from './openapi';

const FHIR_BODY = { 'application/fhir+json': jsonObject, 'application/json': jsonObject };

/** An Idempotency-Key: visible ASCII, 1-200 characters (stored only as a keyed hash). */
export const idempotencyKey = z.string().regex(/^[\x21-\x7e]{1,200}$/);

export const submissionAccepted = z.strictObject({
  requestId: z.string(),
  events: z.array(z.string()),
  records: z.array(z.strictObject({ entry: z.number().int().min(0).optional(), recordId: z.string(), resourceType: z.string(), eventId: z.string() })),
});

const FHIR_JSON = { 'application/fhir+json': jsonObject };
/** What every write of the FHIR REST API may answer besides its success. */
const restRefusals: Record<number, HttpAnswer> = {
  400: { description: 'malformed JSON or request' },
  401: { description: 'no valid institution token' },
  403: { description: "not this institution's to change" },
  404: { description: 'no such resource' },
  405: { description: 'not allowed on this resource type' },
  409: { description: 'conflicts with the current version, or the Idempotency-Key is in use' },
  412: { description: 'If-Match does not name the current version' },
  413: { description: 'the body exceeds MAX_BODY_BYTES' },
  415: { description: 'not application/fhir+json or application/json' },
  422: { description: 'the resource is not valid FHIR R4' },
  503: { description: 'Kafka or PostgreSQL unavailable: retry after Retry-After', headers: { 'Retry-After': 'seconds' } },
};
const written = (status: number, description: string): Record<number, HttpAnswer> => ({
  [status]: { description, content: FHIR_JSON, headers: { Location: 'the resource version', ETag: 'its version' } },
});

const uploadState = z.strictObject({
  fileId: z.string(),
  size: z.number().int(),
  chunkBytes: z.number().int(),
  offset: z.number().int(),
  stored: z.boolean(),
  fileHash: z.string().optional(),
});
const uploadHeaders = { 'Upload-Offset': 'bytes stored so far', 'Upload-Length': 'the declared size' };
const fileId = z.object({ fileId: z.string() });
const attachmentRefusals: Record<number, HttpAnswer> = {
  401: { description: 'no valid institution token' },
  404: { description: 'no upload of this institution has this id' },
  503: { description: 'the object store, Kafka or the key service did not confirm: resume later' },
};

/** Resumable uploads of large files (tus-style): chunks encrypted under a per-file key, stored on S3. */
function attachmentRoutes(): HttpRoute[] {
  return [
    {
      method: 'post',
      path: '/v1/attachments',
      summary: 'create an upload for a patient the institution sent records of',
      auth: 'institution',
      body: {
        'application/json': z.strictObject({
          patient: z.strictObject({ system: z.string(), value: z.string() }),
          contentType: z.string(),
          size: z.number().int().min(0),
        }),
      },
      answers: {
        201: { description: 'the upload', content: { 'application/json': uploadState }, headers: { Location: 'the upload', ...uploadHeaders } },
        400: { description: 'malformed body' },
        413: { description: 'over MAX_ATTACHMENT_BYTES' },
        422: { description: 'unknown patient' },
        ...attachmentRefusals,
      },
    },
    {
      method: 'get',
      path: '/v1/attachments/{fileId}',
      summary: 'where an upload stands',
      auth: 'institution',
      params: fileId,
      answers: { 200: { description: 'the upload', content: { 'application/json': uploadState }, headers: uploadHeaders }, ...attachmentRefusals },
    },
    {
      method: 'patch',
      path: '/v1/attachments/{fileId}',
      summary: 'append bytes at Upload-Offset (whole chunks are kept if the connection breaks)',
      auth: 'institution',
      params: fileId,
      headers: z.object({ 'upload-offset': z.string() }),
      body: { 'application/offset+octet-stream': z.string() },
      answers: {
        200: { description: 'where the upload stands now', content: { 'application/json': uploadState }, headers: uploadHeaders },
        400: { description: 'no Upload-Offset' },
        409: { description: 'Upload-Offset is not where the upload stands' },
        413: { description: 'past the declared size' },
        415: { description: 'not application/offset+octet-stream' },
        ...attachmentRefusals,
      },
    },
  ];
}

const importStatus = z.strictObject({
  jobId: z.string(),
  state: z.enum(['running', 'done', 'failed']),
  size: z.number().int(),
  bytesDone: z.number().int(),
  linesRead: z.number().int(),
  linesAccepted: z.number().int(),
  linesRefused: z.number().int(),
  transactionTime: z.string().optional(),
  request: z.string().optional(),
  requiresAccessToken: z.boolean().optional(),
  output: z.array(jsonObject).optional(),
  error: z.array(z.strictObject({ type: z.literal('OperationOutcome'), url: z.string(), count: z.number().int() })).optional(),
});
const jobId = z.object({ jobId: z.string() });
const importRefusals: Record<number, HttpAnswer> = {
  401: { description: 'no valid institution token' },
  404: { description: 'no import of this institution has this id' },
};

/** Bulk $import of NDJSON, the FHIR asynchronous request pattern: 202 + Content-Location, then poll. */
function importRoutes(): HttpRoute[] {
  return [
    {
      method: 'post',
      path: '/fhir/R4/$import',
      summary: 'import NDJSON (one resource per line); spooled, then imported in chunks',
      auth: 'institution',
      // Any bytes: each line is judged on its own (refused lines go to the job's error file, the upload is still 202).
      body: { 'application/fhir+ndjson': z.unknown() },
      answers: {
        202: {
          description: 'spooled: poll Content-Location',
          content: { 'application/json': importStatus },
          headers: { 'Content-Location': 'the status URL' },
        },
        400: { description: 'the upload did not complete' },
        401: { description: 'no valid institution token' },
        413: { description: 'over MAX_IMPORT_BYTES' },
        415: { description: 'not application/fhir+ndjson' },
      },
    },
    {
      method: 'get',
      path: '/fhir/R4/$import-status/{jobId}',
      summary: 'where an import stands: 202 with X-Progress while it runs, 200 with the result',
      auth: 'institution',
      params: jobId,
      answers: {
        202: {
          description: 'running',
          content: { 'application/json': importStatus },
          headers: { 'X-Progress': 'percent and line counts', 'Retry-After': 'seconds' },
        },
        200: { description: 'done (or failed: its spool was lost)', content: { 'application/json': importStatus } },
        ...importRefusals,
      },
    },
    {
      method: 'get',
      path: '/fhir/R4/$import-status/{jobId}/errors',
      summary: "the refused lines' OperationOutcomes (line number, codes, element paths), one per NDJSON line",
      auth: 'institution',
      params: jobId,
      answers: { 200: { description: 'NDJSON', content: { 'application/fhir+ndjson': z.string() } }, ...importRefusals },
    },
  ];
}

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
        202: {
          description: 'sealed and published',
          content: { 'application/json': submissionAccepted },
          headers: { 'Idempotent-Replayed': 'true on a replayed answer', 'X-Request-Id': 'the request id' },
        },
        400: { description: 'malformed JSON or request' },
        401: { description: 'no valid institution token' },
        409: { description: 'the Idempotency-Key is in use by another request or another body' },
        413: { description: 'the body exceeds MAX_BODY_BYTES' },
        415: { description: 'not application/fhir+json or application/json' },
        422: { description: 'the resources are not valid FHIR R4 (issues with element paths)' },
        503: { description: 'Kafka or PostgreSQL unavailable: retry after Retry-After', headers: { 'Retry-After': 'seconds' } },
      },
    },
    ...attachmentRoutes(),
    ...importRoutes(),
    {
      method: 'get',
      path: '/fhir/R4/metadata',
      summary: 'the CapabilityStatement',
      auth: 'institution',
      answers: { 200: { description: 'CapabilityStatement', content: FHIR_JSON }, 401: restRefusals[401], 403: restRefusals[403] },
    },
    {
      method: 'post',
      path: '/fhir/R4',
      summary: 'a batch or transaction Bundle',
      auth: 'institution',
      body: FHIR_BODY,
      answers: { 200: { description: 'the batch-response or transaction-response Bundle', content: FHIR_JSON }, ...restRefusals },
    },
    {
      method: 'post',
      path: '/fhir/R4/{type}',
      summary: 'create (conditional with If-None-Exist)',
      auth: 'institution',
      params: fhirTypeAndId.pick({ type: true }),
      body: FHIR_BODY,
      answers: { ...written(201, 'created'), ...written(200, 'an identical re-send, or the conditional match'), ...restRefusals },
    },
    {
      method: 'put',
      path: '/fhir/R4/{type}/{id}',
      summary: 'update (If-Match: the version)',
      auth: 'institution',
      params: fhirTypeAndId,
      body: FHIR_BODY,
      answers: { ...written(200, 'updated'), ...written(201, 'created under the client id'), ...restRefusals },
    },
    {
      method: 'delete',
      path: '/fhir/R4/{type}/{id}',
      summary: 'delete',
      auth: 'institution',
      params: fhirTypeAndId,
      answers: { 204: { description: 'deleted' }, 200: { description: 'deleted, with an OperationOutcome', content: FHIR_JSON }, ...restRefusals },
    },
  ],
};
