// JSON request bodies, parsed before routing but judged after authentication: a body the parser refuses (malformed
// 400, too large 413, unknown charset 415) is kept with the request and thrown when the handler asks for the body,
// so a caller without valid credentials hears 401 whatever it sent (issue 9: authenticate before validating).
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json, type NextFunction, type Request, type Response } from 'express';

const refusedBodies = new WeakMap<Request, unknown>();

export interface JsonBodyOptions {
  /** Largest body in bytes, or a size such as '16kb'. */
  limit: number | string;
  /** Media types parsed as JSON (default application/json). */
  types?: readonly string[];
}

export function installJsonBodies(app: NestExpressApplication, { limit, types = ['application/json'] }: JsonBodyOptions): void {
  const parse = json({ limit, type: [...types], strict: true });
  app.use((request: Request, response: Response, next: NextFunction) =>
    parse(request, response, (error?: unknown) => {
      if (error !== undefined) refusedBodies.set(request, error);
      next();
    }),
  );
}

/** The parsed body; throws the parser's refusal (rendered as 400/413/415 by the error filter) when it refused it. */
export function parsedBody(request: Request): unknown {
  if (refusedBodies.has(request)) throw refusedBodies.get(request);
  return request.body as unknown;
}
