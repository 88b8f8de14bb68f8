// The one exception type of the ingestion edge: a code per way a submission can fail, mapped exhaustively to HTTP.
import { operationOutcome, type OperationOutcome, type OperationOutcomeIssue } from '@medshare/fhir';

export enum IngestionErrorCode {
  MalformedBody = 'malformed-body',
  InvalidResource = 'invalid-resource',
  Unauthenticated = 'unauthenticated',
  ForeignInstitution = 'foreign-institution',
  IdempotencyConflict = 'idempotency-conflict',
  TooLarge = 'too-large',
  UnsupportedMediaType = 'unsupported-media-type',
  Unavailable = 'unavailable',
}

export class IngestionError extends Error {
  constructor(
    readonly code: IngestionErrorCode,
    readonly issues: readonly OperationOutcomeIssue[],
  ) {
    super(`${code}: ${issues.length} issue(s)`);
    this.name = 'IngestionError';
  }

  get status(): number {
    return httpStatusOf(this.code);
  }

  outcome(): OperationOutcome {
    return operationOutcome(this.issues);
  }
}

/** Exhaustive: a new code that is not mapped here fails to compile. */
export function httpStatusOf(code: IngestionErrorCode): number {
  switch (code) {
    case IngestionErrorCode.MalformedBody:
      return 400;
    case IngestionErrorCode.Unauthenticated:
      return 401;
    case IngestionErrorCode.ForeignInstitution:
      return 403;
    case IngestionErrorCode.IdempotencyConflict:
      return 409;
    case IngestionErrorCode.TooLarge:
      return 413;
    case IngestionErrorCode.UnsupportedMediaType:
      return 415;
    case IngestionErrorCode.InvalidResource:
      return 422;
    case IngestionErrorCode.Unavailable:
      return 503;
  }
}

export function issue(code: string, text: string, expression?: string): OperationOutcomeIssue {
  return expression === undefined
    ? { severity: 'error', code, details: { text } }
    : { severity: 'error', code, details: { text }, expression: [expression] };
}

export function failure(code: IngestionErrorCode, issueCode: string, text: string, expression?: string): IngestionError {
  return new IngestionError(code, [issue(issueCode, text, expression)]);
}
