// The one exception of case handling, with what each code means on the wire (never the caller's values).
import { CodedError, type ErrorTable } from '@medshare/service-kit';

export enum CaseErrorCode {
  NotFound = 'not-found',
  /** The case is in the officer's view (it concerns a patient the institution holds) but another institution handles it. */
  NotCaseInstitution = 'not-case-institution',
  InvalidTransition = 'invalid-transition',
  InvalidInput = 'invalid-input',
}

const CASE_ERRORS: ErrorTable<CaseErrorCode> = {
  [CaseErrorCode.NotFound]: { status: 404, issueType: 'not-found' },
  [CaseErrorCode.NotCaseInstitution]: { status: 403, issueType: 'forbidden' },
  [CaseErrorCode.InvalidTransition]: { status: 409, issueType: 'business-rule' },
  [CaseErrorCode.InvalidInput]: { status: 400, issueType: 'invalid' },
};

export class CaseError extends CodedError<CaseErrorCode> {
  constructor(code: CaseErrorCode, text: string) {
    super(CASE_ERRORS, code, text);
  }
}
