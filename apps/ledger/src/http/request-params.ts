// The ledger API's path and query parameters, validated before anything reaches a replica: a value
// that is not what the parameter takes is a 400 naming the parameter, never echoing the value. Query
// values may also arrive as arrays (`?a=1&a=2`) or objects (`?a[b]=1`): only a single string passes.
import { LedgerError, LedgerErrorCode } from '../ledger-error';

/** Event ids are 1-64 characters (the envelope's limit); marker leaves of unparseable messages have longer ones. */
const EVENT_ID = /^[^\u0000-\u001f\u007f]{1,200}$/u;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A height, tree size or index: decimal digits within JavaScript's safe integers. */
export function countParam(name: string, raw: unknown): number {
  const value = typeof raw === 'string' && /^[0-9]{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value)) throw invalid(`${name} must be a non-negative integer`);
  return value;
}

/** An event id as the chain records it: no control characters (NUL never reaches PostgreSQL). */
export function eventIdParam(raw: unknown): string {
  if (typeof raw !== 'string' || !EVENT_ID.test(raw)) throw invalid('eventId must be an event id (1-200 characters, no control characters)');
  return raw;
}

/** The id of a verification job (a UUID, as the API hands them out). */
export function jobIdParam(raw: unknown): string {
  if (typeof raw !== 'string' || !UUID.test(raw)) throw invalid('id must be a verification id');
  return raw;
}

/** `true` or `false`, or absent (the default). */
export function flagParam(name: string, raw: unknown, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw invalid(`${name} must be true or false`);
}

function invalid(message: string): LedgerError {
  return new LedgerError(LedgerErrorCode.InvalidRequest, message);
}
