// Per-entry answers (status, location, etag, lastModified, OperationOutcome) and the batch-response /
// transaction-response Bundle FHIR clients read them from. Pure.
import type { OperationOutcomeIssue } from '@medshare/fhir';
import { IngestionError, IngestionErrorCode } from '../intake/ingestion-error';
import type { RefusedEntry } from './entry-requests';
import type { EntryOutcome } from './version-plan';

export interface EntryResponse {
  /** Bundle entry index; absent for a single resource. */
  entry?: number;
  status: number;
  /** `Type/id/_history/version` of what the entry wrote or found. */
  location?: string;
  etag?: string;
  lastModified?: string;
  issues?: OperationOutcomeIssue[];
}

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  422: 'Unprocessable Entity',
};

export function responseOf(outcome: EntryOutcome): EntryResponse {
  if (outcome.kind === 'refused') return refusedResponse(outcome);
  const entry = outcome.entry === undefined ? {} : { entry: outcome.entry };
  if (outcome.kind === 'unchanged' && outcome.logicalId === undefined) return { ...entry, status: outcome.status };
  const version = outcome.version ?? 0;
  return {
    ...entry,
    status: outcome.status,
    location: `${outcome.resourceType}/${outcome.logicalId ?? ''}/_history/${version}`,
    etag: `W/"${version}"`,
    ...(outcome.lastUpdated && { lastModified: outcome.lastUpdated }),
  };
}

export function refusedResponse(refused: RefusedEntry): EntryResponse {
  return { ...(refused.entry === undefined ? {} : { entry: refused.entry }), status: refused.status, issues: refused.issues };
}

/** Entries a refusal names, each with its own issues; undefined when an issue names no entry (the whole body is refused). */
export function refusedEntriesOf(error: IngestionError): RefusedEntry[] | undefined {
  const byEntry = new Map<number, OperationOutcomeIssue[]>();
  for (const issue of error.issues) {
    const index = /^Bundle\.entry\[(\d+)\]/.exec(issue.expression?.[0] ?? '')?.[1];
    if (index === undefined) return undefined;
    byEntry.set(Number(index), [...(byEntry.get(Number(index)) ?? []), issue]);
  }
  return [...byEntry].map(([entry, issues]) => ({ entry, status: error.status, issues }));
}

/** A transaction is all or nothing: its first refused entry refuses it whole, with that entry's status and every issue. */
export function transactionRefusal(refused: readonly RefusedEntry[], code: (status: number) => IngestionErrorCode): IngestionError {
  return new IngestionError(
    code(refused[0].status),
    refused.flatMap((entry) => entry.issues),
  );
}

export function responseBundle(type: 'batch-response' | 'transaction-response', responses: readonly EntryResponse[]): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type,
    entry: [...responses]
      .sort((a, b) => (a.entry ?? 0) - (b.entry ?? 0))
      .map((response) => ({
        response: {
          status: `${response.status} ${REASONS[response.status] ?? ''}`.trim(),
          ...(response.location && { location: response.location }),
          ...(response.etag && { etag: response.etag }),
          ...(response.lastModified && { lastModified: response.lastModified }),
          ...(response.issues && { outcome: { resourceType: 'OperationOutcome', issue: response.issues } }),
        },
      })),
  };
}
