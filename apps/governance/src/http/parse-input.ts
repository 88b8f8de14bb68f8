// Parses a request's query, path parameters or body with the published contract's schema, or throws the 400 that
// names each wrong element (paths and the schema's messages, never the caller's values).
import type { Request } from 'express';
import type { z } from 'zod';
import { parsedBody } from '@medshare/service-kit';
import { GovernanceError, GovernanceErrorCode } from './governance-error';

type InputCode = GovernanceErrorCode.InvalidQuery | GovernanceErrorCode.InvalidPath | GovernanceErrorCode.InvalidBody;

export function parseInput<T extends z.ZodType>(schema: T, input: unknown, code: InputCode): z.output<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const where = code === GovernanceErrorCode.InvalidBody ? 'body' : code === GovernanceErrorCode.InvalidPath ? 'path' : 'query';
  // An unknown key is the caller's word: counted, not named (zod's message would quote it).
  const problems = parsed.error.issues.map((issue) =>
    issue.code === 'unrecognized_keys' ? `${where}: ${issue.keys.length} unknown element(s)` : `${issue.path.map(String).join('.') || where}: ${issue.message}`,
  );
  throw new GovernanceError(code, problems.join('; '));
}

/** The body of a JSON request, parsed with the schema; any other content type is a 415. */
export function jsonBody<T extends z.ZodType>(request: Request, schema: T): z.output<T> {
  if (!request.is('application/json')) throw new GovernanceError(GovernanceErrorCode.UnsupportedMediaType, 'send application/json');
  return parseInput(schema, parsedBody(request), GovernanceErrorCode.InvalidBody);
}

/** governance reads small JSON bodies only (case changes and notes). */
export const MAX_BODY_BYTES = 64 * 1024;
