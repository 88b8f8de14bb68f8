// The ledger's codes and what each means on the wire; the renderer is service-kit's.
import { CodedError, type ErrorTable } from '@medshare/service-kit';

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

const LEDGER_ERRORS: ErrorTable<LedgerErrorCode> = {
  [LedgerErrorCode.InvalidRequest]: { status: 400, issueType: 'invalid' },
  [LedgerErrorCode.Unauthenticated]: { status: 401, issueType: 'login' },
  [LedgerErrorCode.Forbidden]: { status: 403, issueType: 'forbidden' },
  [LedgerErrorCode.NotFound]: { status: 404, issueType: 'not-found' },
  [LedgerErrorCode.NotWriter]: { status: 409, issueType: 'conflict' },
  [LedgerErrorCode.NoQuorum]: { status: 503, issueType: 'transient' },
};

export class LedgerError extends CodedError<LedgerErrorCode> {
  constructor(code: LedgerErrorCode, text: string) {
    super(LEDGER_ERRORS, code, text);
    if (code === LedgerErrorCode.Unauthenticated) this.headers['WWW-Authenticate'] = 'Bearer';
  }
}
