// The pure core of $import: what a line is (a resource, or refused before it is sent), the batch Bundle a chunk of
// lines becomes (a line with an id is an update by that id and one with an identifier a conditional create, so a
// re-import writes nothing new), and the OperationOutcome NDJSON line of each refused line.
import type { OperationOutcomeIssue } from '@medshare/fhir';
import { issue } from '../intake/ingestion-error';
import type { EntryResponse } from '../versions/entry-responses';
import type { NdjsonLine } from './ndjson-lines';

/** A line to send: its raw bytes (never re-serialised), where it is in the file, and the entry request it goes with. */
export interface ImportLine {
  line: number;
  start: number;
  end: number;
  bytes: Buffer;
  request: { method: 'PUT' | 'POST'; url: string; ifNoneExist?: string };
}

export interface RefusedLine {
  line: number;
  status: number;
  issues: readonly OperationOutcomeIssue[];
}

const CLIENT_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;

/** Undefined for a blank line (skipped); a refusal for a line that is not one FHIR resource. */
export function lineOf(line: NdjsonLine, maxLineBytes: number): ImportLine | RefusedLine | undefined {
  if (line.bytes === undefined) return refusedLine(line.number, 413, issue('too-costly', `A line may hold at most ${maxLineBytes} bytes`));
  if (line.bytes.toString('utf8').trim() === '') return undefined;
  let resource: unknown;
  try {
    resource = JSON.parse(line.bytes.toString('utf8'));
  } catch {
    return refusedLine(line.number, 400, issue('structure', 'The line is not JSON'));
  }
  const fields = (typeof resource === 'object' && resource !== null && !Array.isArray(resource) ? resource : {}) as Record<string, unknown>;
  const type = fields['resourceType'];
  if (typeof type !== 'string' || !RESOURCE_TYPE.test(type) || type === 'Bundle') {
    return refusedLine(line.number, 400, issue('structure', 'Each line must be one FHIR resource (not a Bundle)', 'resourceType'));
  }
  return { line: line.number, start: line.start, end: line.end, bytes: line.bytes, request: requestOf(type, fields) };
}

/** By id when the line has one, else conditional on its first identifier, else a plain create. */
function requestOf(type: string, resource: Record<string, unknown>): ImportLine['request'] {
  const id = resource['id'];
  if (typeof id === 'string' && CLIENT_ID.test(id)) return { method: 'PUT', url: `${type}/${id}` };
  const identifier = (Array.isArray(resource['identifier']) ? resource['identifier'][0] : undefined) as Record<string, unknown> | undefined;
  if (typeof identifier?.['system'] === 'string' && typeof identifier['value'] === 'string') {
    return { method: 'POST', url: type, ifNoneExist: `identifier=${identifier['system']}|${identifier['value']}` };
  }
  return { method: 'POST', url: type };
}

/** The batch Bundle of a chunk: entry i is lines[i], its resource the line's bytes as sent. */
export function chunkBundle(lines: readonly ImportLine[]): Buffer {
  const parts: Buffer[] = [Buffer.from('{"resourceType":"Bundle","type":"batch","entry":[')];
  lines.forEach((line, index) => {
    parts.push(Buffer.from(`${index === 0 ? '' : ','}{"request":${JSON.stringify(line.request)},"resource":`), line.bytes, Buffer.from('}'));
  });
  parts.push(Buffer.from(']}'));
  return Buffer.concat(parts);
}

/** The refused lines of a chunk from its batch-response entries (entry i answers lines[i]). */
export function refusedLinesOf(lines: readonly ImportLine[], responses: readonly EntryResponse[]): RefusedLine[] {
  return responses.flatMap((response) =>
    response.entry !== undefined && response.status >= 400 && lines[response.entry] !== undefined
      ? [{ line: lines[response.entry].line, status: response.status, issues: response.issues ?? [] }]
      : [],
  );
}

export function refusedLine(line: number, status: number, ...issues: OperationOutcomeIssue[]): RefusedLine {
  return { line, status, issues };
}

/**
 * One NDJSON line of the result: an OperationOutcome naming the line and the entry's status, with each issue's
 * code, fixed text and element path re-rooted at the line's resource. Never a submitted value.
 */
export function outcomeOf(refused: RefusedLine): Record<string, unknown> {
  const issues = refused.issues.length > 0 ? refused.issues : [issue('processing', 'The line was refused')];
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((entry) => {
      const expression = (entry.expression ?? []).flatMap((path) => {
        const rooted = reRooted(path);
        return rooted === undefined ? [] : [rooted];
      });
      return {
        severity: entry.severity,
        code: entry.code,
        ...(entry.details?.text !== undefined && { details: { text: entry.details.text } }),
        diagnostics: `line ${refused.line}, status ${refused.status}`,
        ...(expression.length > 0 && { expression }),
      };
    }),
  };
}

/** `Bundle.entry[3].resource.code.coding[0]` → `code.coding[0]`; paths of the generated request say nothing to the sender. */
function reRooted(path: string): string | undefined {
  if (!path.startsWith('Bundle.entry[')) return path;
  const inResource = /^Bundle\.entry\[\d+\]\.resource\.(.+)$/.exec(path);
  return inResource?.[1];
}
