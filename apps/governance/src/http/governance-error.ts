// The governance HTTP edge's codes and what each means on the wire; the renderer is service-kit's.
import { CodedError, type ErrorTable } from '@medshare/service-kit';

export enum GovernanceErrorCode {
  InvalidQuery = 'invalid-query',
  InvalidPath = 'invalid-path',
  InvalidBody = 'invalid-body',
  UnsupportedMediaType = 'unsupported-media-type',
  Unauthenticated = 'unauthenticated',
  Forbidden = 'forbidden',
  /** A state change with a session cookie but without the session's CSRF token or from another origin. */
  CsrfRejected = 'csrf-rejected',
  IdentityProviderUnavailable = 'identity-provider-unavailable',
  LoginFailed = 'login-failed',
  /** A report needs the ledger's proofs and the ledger does not answer. */
  LedgerUnavailable = 'ledger-unavailable',
}

const GOVERNANCE_ERRORS: ErrorTable<GovernanceErrorCode> = {
  [GovernanceErrorCode.InvalidQuery]: { status: 400, issueType: 'invalid' },
  [GovernanceErrorCode.InvalidPath]: { status: 400, issueType: 'invalid' },
  [GovernanceErrorCode.InvalidBody]: { status: 400, issueType: 'invalid' },
  [GovernanceErrorCode.UnsupportedMediaType]: { status: 415, issueType: 'not-supported' },
  [GovernanceErrorCode.Unauthenticated]: { status: 401, issueType: 'login' },
  [GovernanceErrorCode.Forbidden]: { status: 403, issueType: 'forbidden' },
  [GovernanceErrorCode.CsrfRejected]: { status: 403, issueType: 'security' },
  [GovernanceErrorCode.IdentityProviderUnavailable]: { status: 503, issueType: 'transient' },
  [GovernanceErrorCode.LoginFailed]: { status: 400, issueType: 'login' },
  [GovernanceErrorCode.LedgerUnavailable]: { status: 503, issueType: 'transient' },
};

export class GovernanceError extends CodedError<GovernanceErrorCode> {
  constructor(code: GovernanceErrorCode, text: string) {
    super(GOVERNANCE_ERRORS, code, text);
    if (code === GovernanceErrorCode.Unauthenticated) this.headers['WWW-Authenticate'] = 'Bearer realm="medshare-governance"';
  }
}
