// The CPU-bound half of taking a submission: parse, bound and validate its bytes. Pure; it runs in the validation
// thread (validation.worker.ts), so a hostile body never stalls the event loop that serves every other request.
import { validateFhirResource, type OperationOutcomeIssue } from '@medshare/fhir';
import { IngestionErrorCode, issue } from './ingestion-error';

export type SubmissionVerdict = { ok: true } | { ok: false; code: IngestionErrorCode; issues: OperationOutcomeIssue[] };

/** A valid single resource or batch/transaction Bundle of at most `maxEntries` entries, or why not (400/413/422). */
export function checkSubmission(bytes: Uint8Array, maxEntries: number): SubmissionVerdict {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    return refused(IngestionErrorCode.MalformedBody, 'structure', 'The body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body) || typeof (body as { resourceType?: unknown }).resourceType !== 'string') {
    return refused(IngestionErrorCode.MalformedBody, 'structure', 'Expected one FHIR resource (a JSON object with a resourceType)');
  }
  const { resourceType, entry } = body as { resourceType: string; entry?: unknown };
  if (resourceType === 'Bundle' && Array.isArray(entry) && entry.length > maxEntries) {
    return refused(IngestionErrorCode.TooLarge, 'too-costly', `A bundle may carry at most ${maxEntries} entries`, 'Bundle.entry');
  }
  const validation = validateFhirResource(body);
  return validation.ok ? { ok: true } : { ok: false, code: IngestionErrorCode.InvalidResource, issues: validation.issues };
}

function refused(code: IngestionErrorCode, issueCode: string, text: string, expression?: string): SubmissionVerdict {
  return { ok: false, code, issues: [issue(issueCode, text, expression)] };
}
