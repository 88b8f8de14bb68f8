// What each part of a submission asks for, as FHIR's RESTful interactions: create (POST, conditional with
// ifNoneExist), update (PUT by id, optimistic with ifMatch) and delete (DELETE by id). Pure; anything else is refused
// per entry with an issue naming the element, never the value.
import type { Bundle, FhirResource, OperationOutcomeIssue } from '@medshare/fhir';
import { issue } from '../intake/ingestion-error';

export type Interaction = 'create' | 'update' | 'delete';

export interface EntryRequest {
  /** Bundle entry index; absent for a single resource. */
  entry?: number;
  interaction: Interaction;
  resourceType: string;
  /** The id the client gave the resource (URL or resource.id); kept only as a keyed pseudonym. */
  clientId?: string;
  fullUrl?: string;
  resource?: FhirResource;
  /** Conditional create: `identifier=system|value`, the one search medshare answers. */
  ifNoneExist?: { system: string; value: string };
  /** Optimistic locking: the version the client last saw (`W/"n"`). */
  ifMatch?: number;
}

/** A refused entry: the HTTP status its response carries and why. */
export interface RefusedEntry {
  entry?: number;
  status: number;
  issues: OperationOutcomeIssue[];
}

export interface ParsedRequests {
  requests: EntryRequest[];
  refused: RefusedEntry[];
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const TYPE = /^[A-Z][A-Za-z]{1,63}$/;
const IDENTIFIER_SEARCH = /^identifier=([^|&]+)\|([^&]+)$/;
const WEAK_ETAG = /^W\/"(\d{1,9})"$/;

/**
 * The requests of a body that passed validation. A single resource is a create that its own id, if any, makes
 * recognisable (re-sending it changes nothing); entries listed in `skip` (refused earlier) are left out.
 */
export function parseRequests(body: FhirResource, skip: ReadonlySet<number> = new Set()): ParsedRequests {
  if (body.resourceType !== 'Bundle') return { requests: [createOf(body)], refused: [] };
  const requests: EntryRequest[] = [];
  const refused: RefusedEntry[] = [];
  for (const [index, entry] of ((body as Bundle).entry ?? []).entries()) {
    if (skip.has(index)) continue;
    const parsed = parseEntry(index, entry.resource, entry.request, entry.fullUrl);
    if ('status' in parsed) refused.push(parsed);
    else requests.push(parsed);
  }
  return { requests, refused };
}

function parseEntry(
  index: number,
  resource: FhirResource | undefined,
  request: { method?: string; url?: string; ifNoneExist?: string; ifMatch?: string } | undefined,
  fullUrl?: string,
): EntryRequest | RefusedEntry {
  const at = `Bundle.entry[${index}].request`;
  const refuse = (status: number, code: string, text: string, where = at): RefusedEntry => ({ entry: index, status, issues: [issue(code, text, where)] });
  const base = { entry: index, ...(fullUrl === undefined ? {} : { fullUrl }) };
  if (request === undefined)
    return resource === undefined ? refuse(400, 'required', 'The entry has neither a resource nor a request') : { ...createOf(resource), ...base };
  const [path, query] = splitUrl(request.url ?? '');
  const [type, id, ...rest] = path.split('/');
  if (!TYPE.test(type) || rest.length > 0 || (id !== undefined && !ID.test(id)))
    return refuse(400, 'invalid', 'request.url must be [type] or [type]/[id]', `${at}.url`);
  if (query !== '') return refuse(400, 'not-supported', 'Conditional URLs are not supported here (use ifNoneExist on a create)', `${at}.url`);
  switch (request.method) {
    case 'POST': {
      if (resource === undefined || id !== undefined || resource.resourceType !== type)
        return refuse(400, 'invalid', 'A create is POST [type] with a resource of that type', `${at}.url`);
      if (request.ifMatch !== undefined) return refuse(400, 'not-supported', 'ifMatch applies to updates', `${at}.ifMatch`);
      const condition = request.ifNoneExist === undefined ? undefined : identifierSearch(request.ifNoneExist);
      if (condition === null) return refuse(400, 'not-supported', 'ifNoneExist supports identifier=system|value only', `${at}.ifNoneExist`);
      return { ...createOf(resource), ...base, ...(condition && { ifNoneExist: condition }) };
    }
    case 'PUT': {
      if (resource === undefined || id === undefined || resource.resourceType !== type)
        return refuse(400, 'invalid', 'An update is PUT [type]/[id] with a resource of that type', `${at}.url`);
      if (resource.id !== undefined && resource.id !== id)
        return refuse(400, 'invalid', 'The resource id differs from the id in request.url', `Bundle.entry[${index}].resource.id`);
      if (request.ifNoneExist !== undefined) return refuse(400, 'not-supported', 'ifNoneExist applies to creates', `${at}.ifNoneExist`);
      const version = request.ifMatch === undefined ? undefined : WEAK_ETAG.exec(request.ifMatch)?.[1];
      if (request.ifMatch !== undefined && version === undefined) return refuse(400, 'invalid', 'ifMatch must be a weak ETag W/"<version>"', `${at}.ifMatch`);
      return { ...base, interaction: 'update', resourceType: type, clientId: id, resource, ...(version !== undefined && { ifMatch: Number(version) }) };
    }
    case 'DELETE':
      if (id === undefined) return refuse(400, 'not-supported', 'A delete is DELETE [type]/[id] (conditional deletes are not supported)', `${at}.url`);
      if (resource !== undefined) return refuse(400, 'invalid', 'A delete carries no resource', `Bundle.entry[${index}].resource`);
      return { ...base, interaction: 'delete', resourceType: type, clientId: id };
    default:
      // GET, HEAD and PATCH entries are not supported: refused, never stored.
      return refuse(405, 'not-supported', 'Supported entry methods are POST, PUT and DELETE', `${at}.method`);
  }
}

function createOf(resource: FhirResource): EntryRequest {
  const id = typeof resource.id === 'string' && ID.test(resource.id) ? resource.id : undefined;
  return { interaction: 'create', resourceType: resource.resourceType, resource, ...(id !== undefined && { clientId: id }) };
}

function splitUrl(url: string): [string, string] {
  const mark = url.indexOf('?');
  return mark < 0 ? [url, ''] : [url.slice(0, mark), url.slice(mark + 1)];
}

/** `identifier=system|value` (URL-encoded parts allowed); null for any other search. */
function identifierSearch(text: string): { system: string; value: string } | null {
  const query = text.includes('?') ? text.slice(text.indexOf('?') + 1) : text;
  const match = IDENTIFIER_SEARCH.exec(query);
  if (match === null) return null;
  try {
    return { system: decodeURIComponent(match[1]), value: decodeURIComponent(match[2]) };
  } catch {
    return null;
  }
}
