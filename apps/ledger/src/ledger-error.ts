// The ledger's one exception type: a code per way a request can fail, mapped to HTTP status in one place.
export enum LedgerErrorCode {
  InvalidRequest = 'invalid-request',
  /** No valid bearer token of a role the endpoint admits. */
  Unauthenticated = 'unauthenticated',
  /** A valid token, of a role the action is not for (an auditor asking for a repair). */
  Forbidden = 'forbidden',
  NotFound = 'not-found',
  NoQuorum = 'no-quorum',
  NotWriter = 'not-writer',
}

export class LedgerError extends Error {
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Exhaustive: a new code without a status fails to compile. */
export function httpStatusOf(code: LedgerErrorCode): number {
  switch (code) {
    case LedgerErrorCode.InvalidRequest:
      return 400;
    case LedgerErrorCode.Unauthenticated:
      return 401;
    case LedgerErrorCode.Forbidden:
      return 403;
    case LedgerErrorCode.NotFound:
      return 404;
    case LedgerErrorCode.NotWriter:
      return 409;
    case LedgerErrorCode.NoQuorum:
      return 503;
  }
}
