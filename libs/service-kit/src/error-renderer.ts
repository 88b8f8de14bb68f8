// The one renderer of HTTP errors: a FHIR OperationOutcome on FHIR APIs, RFC 9457 application/problem+json on
// the others. It writes only the code's words and element paths, never anything of the request (Nest's and
// Express' own messages quote paths and JSON fragments), and logs the unexpected with its stack.
import { STATUS_CODES } from 'node:http';
import { Catch, HttpException, NotFoundException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CodedError, EdgeError, type EdgeErrorCode, type ErrorDetail } from './coded-error';
import type { Logger } from './logger';

/** An answer lists at most this many issues, then says how many more there were. */
export const MAX_ISSUES = 100;

export interface ErrorRendering {
  /** Path prefixes whose errors are OperationOutcomes ('/' for a service that is all FHIR). */
  fhirPaths: readonly string[];
  /** The methods the service routes for a path: a known path with another method is a 405, not a 404. */
  allowedMethods(path: string): readonly string[];
}

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly rendering: ErrorRendering,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    const coded = error instanceof CodedError ? error : this.edgeErrorOf(error, request);
    if (coded === undefined) {
      this.logger.error({ method: request.method, error: describeUnexpected(error) }, 'unexpected error');
    } else if (coded.status >= 500 || coded instanceof EdgeError) {
      // Modules log their own refusals where they have the context; what reaches here from the edge is a warning.
      this.logger.warn({ method: request.method, status: coded.status, code: coded.code }, 'request refused');
    }
    if (response.headersSent) {
      // A streamed answer already started: cutting it short is the only way left to say it failed.
      response.destroy();
      return;
    }
    const answer = coded ?? new EdgeError('internal', 'internal error');
    const fhir = this.rendering.fhirPaths.some((prefix) => prefix === '/' || request.path === prefix || request.path.startsWith(`${prefix}/`));
    response.status(answer.status).set(answer.headers);
    if (fhir) response.type('application/fhir+json').send(JSON.stringify(operationOutcomeOf(answer)));
    else response.type('application/problem+json').send(JSON.stringify(problemOf(answer)));
  }

  /** Errors that do not come from a module: Nest's routing, Express' body parsers, an aborted upload. */
  private edgeErrorOf(error: unknown, request: Request): EdgeError | undefined {
    if (error instanceof HttpException) {
      const status = error.getStatus();
      if (status === 404) {
        const allowed = this.rendering.allowedMethods(request.path);
        if (allowed.length === 0) return edge('not-found');
        const refusal = edge('method-not-allowed');
        refusal.headers['Allow'] = allowed.join(', ');
        return refusal;
      }
      return status < 500 ? edge(EDGE_CODE_BY_STATUS.get(status) ?? 'malformed-request') : undefined;
    }
    const { type, status, code } = (error ?? {}) as { type?: unknown; status?: unknown; code?: unknown };
    if (type === 'request.aborted' || (code === 'ECONNRESET' && request.readableAborted)) return edge('client-aborted');
    // http-errors from the body parsers (413 entity.too.large, 415 charset.unsupported, 400 ...).
    if (typeof status === 'number' && status >= 400 && status < 500) return edge(EDGE_CODE_BY_STATUS.get(status) ?? 'malformed-request');
    return undefined;
  }
}

const EDGE_CODE_BY_STATUS = new Map<number, EdgeErrorCode>([
  [400, 'malformed-request'],
  [401, 'unauthenticated'],
  [403, 'forbidden'],
  [404, 'not-found'],
  [405, 'method-not-allowed'],
  [413, 'payload-too-large'],
  [415, 'unsupported-media-type'],
]);

const EDGE_TEXTS: Record<EdgeErrorCode, string> = {
  'malformed-request': 'the request is malformed',
  unauthenticated: 'authentication is required',
  forbidden: 'this call is not allowed',
  'not-found': 'no such resource or operation',
  'method-not-allowed': 'this method is not allowed on this path',
  'payload-too-large': 'the body is too large',
  'unsupported-media-type': 'the media type or charset of the body is not supported',
  'client-aborted': 'the request was aborted',
  internal: 'internal error',
};

function edge(code: EdgeErrorCode): EdgeError {
  return new EdgeError(code, EDGE_TEXTS[code]);
}

/**
 * Type, code and stack frames of an unexpected error, not its message: messages of drivers and parsers quote
 * values (PostgreSQL's "invalid input syntax for type uuid: ..."), and values may be patient data.
 */
function describeUnexpected(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  const code = (error as { code?: unknown }).code;
  return { type: error.name, ...(typeof code === 'string' && { code }), stack: frames.join('\n') };
}

function capped(details: readonly ErrorDetail[]): { shown: readonly ErrorDetail[]; more: number } {
  return { shown: details.slice(0, MAX_ISSUES), more: Math.max(0, details.length - MAX_ISSUES) };
}

function expressionsOf(detail: ErrorDetail): string[] | undefined {
  if (detail.expression === undefined) return undefined;
  return typeof detail.expression === 'string' ? [detail.expression] : [...detail.expression];
}

export function operationOutcomeOf(error: CodedError): Record<string, unknown> {
  const { shown, more } = capped(error.details);
  const issue: Record<string, unknown>[] = shown.map((detail) => {
    const expression = expressionsOf(detail);
    return {
      severity: detail.severity ?? 'error',
      code: detail.issueType ?? error.issueType,
      details: { text: detail.text },
      ...(expression && { expression }),
    };
  });
  if (more > 0) issue.push({ severity: 'information', code: 'informational', details: { text: `${more} more issues not listed` } });
  return { resourceType: 'OperationOutcome', issue };
}

/** RFC 9457: `type` names the code, `errors` lists the details when there is more than one or a path to show. */
export function problemOf(error: CodedError): Record<string, unknown> {
  const { shown, more } = capped(error.details);
  const located = shown.length > 1 || shown.some((detail) => detail.expression !== undefined);
  return {
    type: `urn:medshare:problem:${error.code}`,
    title: STATUS_CODES[error.status] ?? 'Error',
    status: error.status,
    code: error.code,
    detail: shown.map((detail) => detail.text).join('; '),
    ...(located && { errors: shown.map((detail) => ({ detail: detail.text, ...(detail.expression !== undefined && { expression: expressionsOf(detail) }) })) }),
    ...(more > 0 && { moreErrors: more }),
  };
}

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
  match(path: string): unknown;
}

/**
 * The routes Express has for `path`, as OpenAPI matches them: the most concrete first, i.e. those with the most
 * literal segments (`/fhir/R4/metadata` before `/fhir/R4/:type`, `/fhir/R4/$import-status/:jobId` before
 * `/fhir/R4/:type/:id`).
 */
function routesOf(expressApp: object, path: string): NonNullable<RouteLayer['route']>[] {
  // Express' own typings leave out Layer.match (router 2): read the stack through the shape it has.
  const stack = (expressApp as { router?: { stack?: RouteLayer[] } }).router?.stack ?? [];
  const matching = stack.flatMap((layer) => (layer.route !== undefined && layer.match(path) ? [layer.route] : []));
  const literals = (route: { path: string }) => route.path.split('/').filter((segment) => segment !== '' && !/^[:*]|[{]/.test(segment)).length;
  const most = Math.max(0, ...matching.map(literals));
  return matching.filter((route) => literals(route) === most);
}

/** The methods Express routes for `path` (Nest registers each handler as an Express route). */
export function routedMethods(expressApp: object, path: string): string[] {
  const methods = new Set<string>();
  for (const route of routesOf(expressApp, path))
    for (const [method, routed] of Object.entries(route.methods)) if (routed && method !== '_all') methods.add(method.toUpperCase());
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

/**
 * Routing by the same rule: a method the most concrete matching routes do not take is refused (405 with their Allow,
 * by the filter) before Express tries a less concrete one, so POST /fhir/R4/metadata is not a create of a resource
 * type "metadata".
 */
export function concretePathsFirst(expressApp: object): (request: Request, response: Response, next: (error?: unknown) => void) => void {
  return (request, _response, next) => {
    const allowed = routedMethods(expressApp, request.path);
    const refused = allowed.length > 0 && !allowed.includes(request.method) && !routesOf(expressApp, request.path).some((route) => route.methods._all);
    next(refused ? new NotFoundException() : undefined);
  };
}
