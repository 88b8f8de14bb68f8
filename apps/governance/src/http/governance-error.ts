// The one exception type of the governance HTTP edge: a code per failure, mapped exhaustively to a status.
import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';

export enum GovernanceErrorCode {
  InvalidQuery = 'invalid-query',
}

export class GovernanceError extends Error {
  constructor(readonly code: GovernanceErrorCode, message: string) {
    super(message);
  }
}

export function httpStatusOf(code: GovernanceErrorCode): number {
  switch (code) {
    case GovernanceErrorCode.InvalidQuery:
      return 400;
  }
}

/** Operators' tools call these endpoints, not FHIR clients: a small JSON body with the code and why. */
@Catch(GovernanceError)
export class GovernanceErrorFilter implements ExceptionFilter<GovernanceError> {
  catch(error: GovernanceError, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<Response>().status(httpStatusOf(error.code)).json({ error: error.code, message: error.message });
  }
}
