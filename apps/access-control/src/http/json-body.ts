// The JSON edge: FHIR or plain JSON bodies up to a limit, parse errors as OperationOutcomes, other types refused.
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json, type NextFunction, type Request, type Response } from 'express';
import { AccessControlError, AccessControlErrorCode } from '../access-control-error';
import { simpleOutcome } from './fhir-exception.filter';

const JSON_TYPES = ['application/json', 'application/fhir+json'];

export function installJsonBodies(app: NestExpressApplication, maxBytes: number): void {
  app.use(json({ limit: maxBytes, type: JSON_TYPES, strict: true }));
  // Registered right after the parser, so its errors land here and not in Express' HTML default handler.
  app.use((error: { type?: string; status?: number } | undefined, _request: Request, response: Response, next: NextFunction) => {
    if (error === undefined) return next();
    const tooLarge = error.type === 'entity.too.large';
    response
      .status(tooLarge ? 413 : 400)
      .type('application/fhir+json')
      .json(simpleOutcome(tooLarge ? 'too-long' : 'structure', tooLarge ? `the body exceeds ${maxBytes} bytes` : 'the body is not valid JSON'));
  });
}

/** The parsed body of a JSON request; any other content type is a 415. */
export function jsonBody(request: Request): unknown {
  if (!request.is(JSON_TYPES)) {
    throw new AccessControlError(AccessControlErrorCode.UnsupportedMediaType, `send ${JSON_TYPES.join(' or ')}`);
  }
  return request.body as unknown;
}
