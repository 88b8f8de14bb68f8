// The one exception type of the operator API, a code per failure mapped exhaustively to HTTP.
import { HttpException } from '@nestjs/common';

export enum OperatorErrorCode {
  Unauthenticated = 'unauthenticated',
  InvalidRequest = 'invalid-request',
}

export function httpStatusOf(code: OperatorErrorCode): number {
  switch (code) {
    case OperatorErrorCode.Unauthenticated:
      return 401;
    case OperatorErrorCode.InvalidRequest:
      return 400;
  }
}

export class OperatorError extends HttpException {
  constructor(
    readonly code: OperatorErrorCode,
    message: string,
  ) {
    super({ error: code, message }, httpStatusOf(code));
  }
}
