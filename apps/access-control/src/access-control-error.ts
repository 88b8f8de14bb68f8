// The access-control edge's codes and what each means on the wire; the renderer is service-kit's.
import { CodedError, type ErrorDetail, type ErrorTable } from '@medshare/service-kit';

export enum AccessControlErrorCode {
  /** No, malformed, forged, expired or unknown-issuer token. */
  Unauthenticated = 'unauthenticated',
  /** Authenticated, but acting as another institution, with a role that is not its registered one, or not allowed this call. */
  Forbidden = 'forbidden',
  /** The decision refused the request. */
  AccessDenied = 'access-denied',
  InvalidInput = 'invalid-input',
  UnsupportedMediaType = 'unsupported-media-type',
  /** The id is already used by another institution or patient. */
  Conflict = 'conflict',
  /** The patient's data keys were destroyed (crypto-shredding): nothing of theirs can be read any more. */
  Erased = 'erased',
  /** No resource of the caller's has this id. */
  NotFound = 'not-found',
  /** The resource was deleted (its current version is a deletion). */
  Gone = 'gone',
  /** Kafka or the encryption service did not answer in time: nothing was disclosed. */
  Unavailable = 'unavailable',
}

const ACCESS_CONTROL_ERRORS: ErrorTable<AccessControlErrorCode> = {
  [AccessControlErrorCode.Unauthenticated]: { status: 401, issueType: 'login' },
  [AccessControlErrorCode.Forbidden]: { status: 403, issueType: 'forbidden' },
  [AccessControlErrorCode.AccessDenied]: { status: 403, issueType: 'suppressed' },
  [AccessControlErrorCode.InvalidInput]: { status: 400, issueType: 'invalid' },
  [AccessControlErrorCode.UnsupportedMediaType]: { status: 415, issueType: 'not-supported' },
  [AccessControlErrorCode.Conflict]: { status: 409, issueType: 'conflict' },
  [AccessControlErrorCode.Erased]: { status: 410, issueType: 'deleted' },
  [AccessControlErrorCode.NotFound]: { status: 404, issueType: 'not-found' },
  [AccessControlErrorCode.Gone]: { status: 410, issueType: 'deleted' },
  [AccessControlErrorCode.Unavailable]: { status: 503, issueType: 'transient' },
};

export class AccessControlError extends CodedError<AccessControlErrorCode> {
  constructor(code: AccessControlErrorCode, details: string | readonly ErrorDetail[]) {
    super(ACCESS_CONTROL_ERRORS, code, details);
  }

  /** Set when the refusal was recorded as a decision: the caller can quote it (X-Medshare-Decision-Id). */
  get decisionId(): string | undefined {
    return this.headers['X-Medshare-Decision-Id'];
  }

  set decisionId(id: string | undefined) {
    if (id === undefined) delete this.headers['X-Medshare-Decision-Id'];
    else this.headers['X-Medshare-Decision-Id'] = id;
  }
}
