// The one error mechanism of every HTTP edge: a module throws a CodedError with one of its codes, and its table
// maps each code to an HTTP status and a FHIR IssueType. A table is a Record over the module's
// code union, so a code without a row fails to compile.

/** What a code means on the wire: the status and the FHIR IssueType (R4 value set issue-type). */
export interface ErrorKind {
  status: number;
  issueType: string;
}

export type ErrorTable<Code extends string> = Readonly<Record<Code, ErrorKind>>;

/** One thing that went wrong, in words that never quote the caller's values: codes and element paths only. */
export interface ErrorDetail {
  text: string;
  expression?: string | readonly string[];
  /** A finer FHIR IssueType than the code's own (e.g. 'structure', 'code-invalid'). */
  issueType?: string;
  severity?: 'fatal' | 'error' | 'warning' | 'information';
}

export class CodedError<Code extends string = string> extends Error {
  readonly details: readonly ErrorDetail[];
  readonly status: number;
  readonly issueType: string;
  /** Response headers the answer carries (Retry-After, WWW-Authenticate, a decision id...). */
  readonly headers: Record<string, string> = {};

  constructor(
    table: ErrorTable<Code>,
    readonly code: Code,
    details: string | readonly ErrorDetail[],
  ) {
    const list = typeof details === 'string' ? [{ text: details }] : details;
    super(list.map((detail) => detail.text).join('; '));
    this.name = new.target.name;
    this.details = list;
    ({ status: this.status, issueType: this.issueType } = table[code]);
  }
}

/** Errors that arise before or around a module's own code: routing, body parsing, the unexpected. */
export type EdgeErrorCode =
  | 'malformed-request'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'method-not-allowed'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'client-aborted'
  | 'internal';

export const EDGE_ERRORS: ErrorTable<EdgeErrorCode> = {
  'malformed-request': { status: 400, issueType: 'structure' },
  unauthenticated: { status: 401, issueType: 'login' },
  forbidden: { status: 403, issueType: 'forbidden' },
  'not-found': { status: 404, issueType: 'not-found' },
  'method-not-allowed': { status: 405, issueType: 'not-supported' },
  'payload-too-large': { status: 413, issueType: 'too-long' },
  'unsupported-media-type': { status: 415, issueType: 'not-supported' },
  // The client went away mid-request: nobody reads the answer, but it is a client error, not ours.
  'client-aborted': { status: 400, issueType: 'incomplete' },
  internal: { status: 500, issueType: 'exception' },
};

export class EdgeError extends CodedError<EdgeErrorCode> {
  constructor(code: EdgeErrorCode, text: string) {
    super(EDGE_ERRORS, code, text);
  }
}
