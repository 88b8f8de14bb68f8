// The ingestion edge's codes and what each means on the wire; the renderer is service-kit's. Its details are
// FHIR issues (validation speaks OperationOutcome already), kept as such for the rejection events.
import type { OperationOutcomeIssue } from '@medshare/fhir';
import { CodedError, type ErrorTable } from '@medshare/service-kit';

export enum IngestionErrorCode {
  MalformedBody = 'malformed-body',
  /** A bundle entry's request is not one medshare answers (its url, method or condition). */
  InvalidRequest = 'invalid-request',
  MethodNotAllowed = 'method-not-allowed',
  /** A concurrent request took the version or client id first, or an update would move a record to another patient. */
  VersionConflict = 'version-conflict',
  PreconditionFailed = 'precondition-failed',
  InvalidResource = 'invalid-resource',
  Unauthenticated = 'unauthenticated',
  ForeignInstitution = 'foreign-institution',
  IdempotencyConflict = 'idempotency-conflict',
  TooLarge = 'too-large',
  UnsupportedMediaType = 'unsupported-media-type',
  Unavailable = 'unavailable',
  UnknownAttachment = 'unknown-attachment',
  UploadConflict = 'upload-conflict',
  UnknownImport = 'unknown-import',
}

const INGESTION_ERRORS: ErrorTable<IngestionErrorCode> = {
  [IngestionErrorCode.MalformedBody]: { status: 400, issueType: 'structure' },
  [IngestionErrorCode.InvalidRequest]: { status: 400, issueType: 'invalid' },
  [IngestionErrorCode.MethodNotAllowed]: { status: 405, issueType: 'not-supported' },
  [IngestionErrorCode.VersionConflict]: { status: 409, issueType: 'conflict' },
  [IngestionErrorCode.PreconditionFailed]: { status: 412, issueType: 'conflict' },
  [IngestionErrorCode.Unauthenticated]: { status: 401, issueType: 'login' },
  [IngestionErrorCode.ForeignInstitution]: { status: 403, issueType: 'forbidden' },
  [IngestionErrorCode.IdempotencyConflict]: { status: 409, issueType: 'conflict' },
  [IngestionErrorCode.TooLarge]: { status: 413, issueType: 'too-costly' },
  [IngestionErrorCode.UnsupportedMediaType]: { status: 415, issueType: 'not-supported' },
  [IngestionErrorCode.InvalidResource]: { status: 422, issueType: 'invalid' },
  [IngestionErrorCode.Unavailable]: { status: 503, issueType: 'transient' },
  [IngestionErrorCode.UnknownAttachment]: { status: 404, issueType: 'not-found' },
  [IngestionErrorCode.UploadConflict]: { status: 409, issueType: 'conflict' },
  [IngestionErrorCode.UnknownImport]: { status: 404, issueType: 'not-found' },
};

export class IngestionError extends CodedError<IngestionErrorCode> {
  constructor(
    code: IngestionErrorCode,
    readonly issues: readonly OperationOutcomeIssue[],
  ) {
    super(
      INGESTION_ERRORS,
      code,
      issues.map((issue) => ({
        text: issue.details?.text ?? issue.diagnostics ?? issue.code,
        issueType: issue.code,
        severity: issue.severity,
        ...(issue.expression && { expression: issue.expression }),
      })),
    );
  }
}

/** An entry whose patient is named only by a `Patient/<id>` that nothing has linked yet. */
export const UNKNOWN_PATIENT = 'Unknown patient: a bare Patient reference needs the Patient (with its identifiers) sent first or in the same bundle';
/** An $import pass's answer for an entry naming a `Type/<id>` not known yet (Submission.deferUnresolved). */
export const UNKNOWN_REFERENCE = 'A referenced resource is not known yet';
const WAITING = new Set([UNKNOWN_PATIENT, UNKNOWN_REFERENCE]);

/** Refusals a later line of the same import may lift (its Patient or a resource it names comes later): the job sends the line again. */
export function waitsForLaterLines(issues: readonly OperationOutcomeIssue[]): boolean {
  return issues.length > 0 && issues.every((entry) => WAITING.has(entry.details?.text ?? ''));
}

export function issue(code: string, text: string, expression?: string): OperationOutcomeIssue {
  return expression === undefined ? { severity: 'error', code, details: { text } } : { severity: 'error', code, details: { text }, expression: [expression] };
}

export function failure(code: IngestionErrorCode, issueCode: string, text: string, expression?: string): IngestionError {
  return new IngestionError(code, [issue(issueCode, text, expression)]);
}

/** The code whose status an entry's refusal carries, so a transaction refused for that entry answers the same. */
export function codeOfStatus(status: number): IngestionErrorCode {
  const code = (Object.keys(INGESTION_ERRORS) as IngestionErrorCode[]).find((candidate) => INGESTION_ERRORS[candidate].status === status);
  return code ?? IngestionErrorCode.InvalidResource;
}
