// The one exception type of the access-control edge: a code per failure, mapped exhaustively to HTTP status
// and a FHIR OperationOutcome issue type (STYLE.md #8).
import type { OperationOutcome } from '@medshare/fhir';

export enum AccessControlErrorCode {
  /** No, malformed, forged, expired or unknown-issuer token. */
  Unauthenticated = 'unauthenticated',
  /** Authenticated, but acting as another institution, with a role that is not its registered one, or not allowed this call. */
  Forbidden = 'forbidden',
  /** The decision refused the request. */
  AccessDenied = 'access-denied',
  InvalidInput = 'invalid-input',
  UnsupportedMediaType = 'unsupported-media-type',
  PayloadTooLarge = 'payload-too-large',
  /** The id is already used by another institution or patient. */
  Conflict = 'conflict',
  /** The patient's data keys were destroyed (crypto-shredding): nothing of theirs can be read any more. */
  Erased = 'erased',
  /** Kafka or the encryption service did not answer in time: nothing was disclosed. */
  Unavailable = 'unavailable',
}

export interface ErrorDetail {
  text: string;
  expression?: string;
  /** A finer FHIR IssueType than the code's own (e.g. 'structure', 'code-invalid' from consent intake). */
  issueType?: string;
}

export class AccessControlError extends Error {
  readonly details: readonly ErrorDetail[];
  /** Set when the refusal was recorded as a decision: the caller can quote it (X-Medshare-Decision-Id). */
  decisionId?: string;

  constructor(readonly code: AccessControlErrorCode, details: string | readonly ErrorDetail[]) {
    const list = typeof details === 'string' ? [{ text: details }] : details;
    super(list.map((detail) => detail.text).join('; '));
    this.details = list;
  }
}

export function httpStatusOf(code: AccessControlErrorCode): { status: number; issueType: string } {
  switch (code) {
    case AccessControlErrorCode.Unauthenticated:
      return { status: 401, issueType: 'login' };
    case AccessControlErrorCode.Forbidden:
      return { status: 403, issueType: 'forbidden' };
    case AccessControlErrorCode.AccessDenied:
      return { status: 403, issueType: 'suppressed' };
    case AccessControlErrorCode.InvalidInput:
      return { status: 400, issueType: 'invalid' };
    case AccessControlErrorCode.UnsupportedMediaType:
      return { status: 415, issueType: 'not-supported' };
    case AccessControlErrorCode.PayloadTooLarge:
      return { status: 413, issueType: 'too-long' };
    case AccessControlErrorCode.Conflict:
      return { status: 409, issueType: 'conflict' };
    case AccessControlErrorCode.Erased:
      return { status: 410, issueType: 'deleted' };
    case AccessControlErrorCode.Unavailable:
      return { status: 503, issueType: 'transient' };
  }
}

export function outcomeOf(error: AccessControlError): OperationOutcome {
  const { issueType } = httpStatusOf(error.code);
  return {
    resourceType: 'OperationOutcome',
    issue: error.details.map((detail) => ({
      severity: 'error',
      code: detail.issueType ?? issueType,
      details: { text: detail.text },
      ...(detail.expression === undefined ? {} : { expression: [detail.expression] }),
    })),
  };
}
