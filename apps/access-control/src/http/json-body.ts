// The JSON edge: FHIR or plain JSON bodies up to a limit (parse errors and 413s are rendered by service-kit's
// error filter), other types refused.
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request } from 'express';
import { AccessControlError, AccessControlErrorCode } from '../access-control-error';

const JSON_TYPES = ['application/json', 'application/fhir+json'];

export function installJsonBodies(app: NestExpressApplication, maxBytes: number): void {
  app.useBodyParser('json', { limit: maxBytes, type: JSON_TYPES, strict: true });
}

/** The parsed body of a JSON request; any other content type is a 415. */
export function jsonBody(request: Request): unknown {
  if (!request.is(JSON_TYPES)) {
    throw new AccessControlError(AccessControlErrorCode.UnsupportedMediaType, `send ${JSON_TYPES.join(' or ')}`);
  }
  return request.body as unknown;
}
