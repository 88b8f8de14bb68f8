// Turns every error into a FHIR OperationOutcome with the status its code maps to; unexpected ones into a 500
// that names nothing of the request.
import { Catch, HttpException, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { LOGGER, type Logger } from '@medshare/service-kit';
import { AccessControlError, httpStatusOf, outcomeOf } from '../access-control-error';

@Catch()
export class FhirExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (error instanceof AccessControlError) {
      if (error.decisionId !== undefined) response.setHeader('X-Medshare-Decision-Id', error.decisionId);
      response.status(httpStatusOf(error.code).status).type('application/fhir+json').json(outcomeOf(error));
      return;
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      response.status(status).type('application/fhir+json').json(simpleOutcome(status === 404 ? 'not-found' : 'processing', error.message));
      return;
    }
    this.logger.error({ error: error instanceof Error ? error.message : String(error) }, 'unexpected error');
    response.status(500).type('application/fhir+json').json(simpleOutcome('exception', 'internal error: nothing was disclosed'));
  }
}

export function simpleOutcome(code: string, text: string) {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] };
}
