// The operator API's codes and what each means on the wire; the renderer is service-kit's.
import { CodedError, type ErrorTable } from '@medshare/service-kit';

export enum OperatorErrorCode {
  Unauthenticated = 'unauthenticated',
  InvalidRequest = 'invalid-request',
}

const OPERATOR_ERRORS: ErrorTable<OperatorErrorCode> = {
  [OperatorErrorCode.Unauthenticated]: { status: 401, issueType: 'login' },
  [OperatorErrorCode.InvalidRequest]: { status: 400, issueType: 'invalid' },
};

export class OperatorError extends CodedError<OperatorErrorCode> {
  constructor(code: OperatorErrorCode, text: string) {
    super(OPERATOR_ERRORS, code, text);
  }
}
