// The governance HTTP edge's codes and what each means on the wire; the renderer is service-kit's.
import { CodedError, type ErrorTable } from '@medshare/service-kit';

export enum GovernanceErrorCode {
  InvalidQuery = 'invalid-query',
}

const GOVERNANCE_ERRORS: ErrorTable<GovernanceErrorCode> = {
  [GovernanceErrorCode.InvalidQuery]: { status: 400, issueType: 'invalid' },
};

export class GovernanceError extends CodedError<GovernanceErrorCode> {
  constructor(code: GovernanceErrorCode, text: string) {
    super(GOVERNANCE_ERRORS, code, text);
  }
}
