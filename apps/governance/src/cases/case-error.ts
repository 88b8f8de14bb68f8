// The one exception of case handling: a code the HTTP edge maps to a status (never the caller's values).
export enum CaseErrorCode {
  NotFound = 'not-found',
  InvalidTransition = 'invalid-transition',
  InvalidInput = 'invalid-input',
}

export class CaseError extends Error {
  constructor(
    readonly code: CaseErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function caseErrorStatus(code: CaseErrorCode): number {
  switch (code) {
    case CaseErrorCode.NotFound:
      return 404;
    case CaseErrorCode.InvalidTransition:
      return 409;
    case CaseErrorCode.InvalidInput:
      return 400;
  }
}
