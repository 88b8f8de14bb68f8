// The JSON edge: FHIR or plain JSON bodies up to a limit (parse errors and 413s are kept until the handler, which
// authenticates first, asks for the body; service-kit's error filter renders them), other types refused.
import type { Request } from 'express';
import { parsedBody } from '@medshare/service-kit';
import { AccessControlError, AccessControlErrorCode } from '../access-control-error';

export const JSON_TYPES = ['application/json', 'application/fhir+json'];

/** The parsed body of a JSON request; any other content type is a 415. */
export function jsonBody(request: Request): unknown {
  if (!request.is(JSON_TYPES)) {
    throw new AccessControlError(AccessControlErrorCode.UnsupportedMediaType, `send ${JSON_TYPES.join(' or ')}`);
  }
  return parsedBody(request);
}
