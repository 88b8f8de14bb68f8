// The pure core of versions: which logical resource each request targets (by the client's id, the platform's id or
// a conditional create's identifier), the platform id and version each write gets, how references between
// entries and to earlier submissions are rewritten to platform ids, and which requests change nothing (identical
// content, a conditional create that matched, a delete of nothing) or are refused (ifMatch, a record moving to
// another patient). No I/O: the service reads what is known and stores what this decides.
import { DELETED_TAG, type FhirResource, type OperationOutcomeIssue } from '@medshare/fhir';
import { UNKNOWN_REFERENCE, issue } from '../intake/ingestion-error';
import type { EntryRequest, RefusedEntry } from './entry-requests';

/** A logical resource as stored: pseudonyms and platform ids only. */
export interface StoredResource {
  resourceType: string;
  logicalId: string;
  /** The patient pseudonym (or institution key owner) its versions are sealed under. */
  keyOwner: string;
  /** Newest confirmed version; 0 when no version of it was ever acknowledged by Kafka. */
  version: number;
  /** Next free version number (reserved but unconfirmed versions count). */
  nextVersion: number;
  contentHash?: string;
  deleted: boolean;
  lastUpdated?: string;
}

/** What the service looked up for this submission, by keyed reference. */
export interface KnownResources {
  byClientRef: ReadonlyMap<string, StoredResource>;
  /** `Type/logicalId` → resource. */
  byLogicalId: ReadonlyMap<string, StoredResource>;
  byIdentifierRef: ReadonlyMap<string, StoredResource>;
}

/** Keyed pseudonyms of client ids and identifiers (they are patient data): computed by the service. */
export interface Refs {
  clientRef(resourceType: string, clientId: string): string;
  identifierRef(resourceType: string, system: string, value: string): string;
}

export interface PlannedRequest {
  request: EntryRequest;
  /** For creates and updates: the resolved patient or institution key owner. */
  keyOwner?: string;
}

export type EntryOutcome =
  | {
      kind: 'write';
      entry?: number;
      resourceType: string;
      logicalId: string;
      version: number;
      keyOwner: string;
      /** 201 for a new logical resource, 200 for a new version, 204 for a deletion. */
      status: 200 | 201 | 204;
      /** What is sealed: the resource with platform id, meta and rewritten references, or a deletion tombstone. */
      resource: FhirResource;
      contentHash: string;
      deleted: boolean;
      lastUpdated: string;
      /** Keyed refs to record for this logical resource (client id, identifiers). */
      clientRef?: string;
      identifierRefs: string[];
      created: boolean;
    }
  | { kind: 'unchanged'; entry?: number; resourceType: string; logicalId?: string; version?: number; lastUpdated?: string; status: 200 | 204 }
  | ({ kind: 'refused' } & RefusedEntry);

const LITERAL = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

/**
 * Decides every request of one submission, in entry order (an entry sees the writes of the entries before it:
 * two creates with the same ifNoneExist make one resource). `hash` is the keyed content hash of a resource as sealed
 * without id and meta, so identical resubmissions are recognised.
 */
export function planVersions(
  planned: readonly PlannedRequest[],
  known: KnownResources,
  refs: Refs,
  options: {
    now: string;
    newId: () => string;
    hash: (resource: FhirResource) => string;
    /** An $import pass: a create or update naming a `Type/<id>` nothing resolves is refused as waiting, not stored with it. */
    deferUnresolved?: boolean;
  },
): EntryOutcome[] {
  const byClientRef = new Map(known.byClientRef);
  const byIdentifierRef = new Map(known.byIdentifierRef);
  const byLogicalId = new Map(known.byLogicalId);
  // Phase 1: every entry's target, so references between entries resolve whatever their order.
  const targets = planned.map(({ request, keyOwner }) => {
    const clientRef = request.clientId === undefined ? undefined : refs.clientRef(request.resourceType, request.clientId);
    const identifierRefs = identifiersOf(request.resource).map(({ system, value }) => refs.identifierRef(request.resourceType, system, value));
    const conditionRef =
      request.ifNoneExist === undefined ? undefined : refs.identifierRef(request.resourceType, request.ifNoneExist.system, request.ifNoneExist.value);
    let target: StoredResource | undefined =
      (clientRef === undefined ? undefined : byClientRef.get(clientRef)) ??
      (request.clientId === undefined ? undefined : byLogicalId.get(`${request.resourceType}/${request.clientId}`)) ??
      (conditionRef === undefined ? undefined : byIdentifierRef.get(conditionRef));
    if (target === undefined && request.interaction !== 'delete' && keyOwner !== undefined) {
      target = { resourceType: request.resourceType, logicalId: options.newId(), keyOwner, version: 0, nextVersion: 1, deleted: false };
      byLogicalId.set(`${request.resourceType}/${target.logicalId}`, target);
    }
    if (target !== undefined) {
      if (clientRef !== undefined) byClientRef.set(clientRef, target);
      for (const ref of [...identifierRefs, ...(conditionRef === undefined ? [] : [conditionRef])])
        if (!byIdentifierRef.has(ref)) byIdentifierRef.set(ref, target);
    }
    return { target, clientRef, identifierRefs };
  });
  const rename = referenceRenames(
    planned,
    targets.map(({ target }) => target),
    byClientRef,
    refs,
  );
  // Phase 2: what each entry writes, in order.
  return planned.map(({ request, keyOwner }, index): EntryOutcome => {
    const { target, clientRef, identifierRefs } = targets[index];
    const entry = request.entry;
    const at = (where: string) => (entry === undefined ? request.resourceType : `Bundle.entry[${entry}]${where}`);
    if (request.interaction === 'delete') {
      if (target === undefined || target.deleted || target.version === 0) return { kind: 'unchanged', entry, resourceType: request.resourceType, status: 204 };
      const tombstone: FhirResource = {
        resourceType: request.resourceType,
        id: target.logicalId,
        meta: { versionId: String(target.nextVersion), lastUpdated: options.now, tag: [{ ...DELETED_TAG }] },
      };
      return write(target, tombstone, 204, true);
    }
    if (target === undefined || keyOwner === undefined || request.resource === undefined) throw new Error('a create or update without a target');
    // A conditional create that finds a current resource (sent earlier, or by an entry before this one) does nothing.
    if (request.ifNoneExist !== undefined && target.version > 0 && !target.deleted) return unchanged(target);
    if (target.version > 0 && target.keyOwner !== keyOwner) {
      return refused(409, issue('conflict', 'An update may not move a record to another patient (or between a patient and the institution)', at('.resource')));
    }
    if (request.ifMatch !== undefined && request.ifMatch !== target.version)
      return refused(412, issue('conflict', 'ifMatch does not name the current version', at('.request.ifMatch')));
    const unresolved: string[] = [];
    const content = withPlatformIds(request.resource, target.logicalId, (reference) => {
      const renamed = rename(reference);
      if (renamed === reference && LITERAL.test(reference) && !byLogicalId.has(reference)) unresolved.push(reference);
      return renamed;
    });
    if (options.deferUnresolved === true && unresolved.length > 0) return refused(422, issue('not-found', UNKNOWN_REFERENCE, at('.resource')));
    const contentHash = options.hash(content);
    if (target.version > 0 && !target.deleted && target.contentHash === contentHash) return unchanged(target);
    const meta = { ...(content['meta'] as object | undefined), versionId: String(target.nextVersion), lastUpdated: options.now };
    return write(target, { ...content, meta }, target.version === 0 || target.deleted ? 201 : 200, false, contentHash);

    function write(resource: StoredResource, sealed: FhirResource, status: 200 | 201 | 204, deleted: boolean, hash = options.hash(sealed)): EntryOutcome {
      const outcome: EntryOutcome = {
        kind: 'write',
        entry,
        resourceType: request.resourceType,
        logicalId: resource.logicalId,
        version: resource.nextVersion,
        keyOwner: resource.keyOwner,
        status,
        resource: sealed,
        contentHash: hash,
        deleted,
        lastUpdated: options.now,
        identifierRefs,
        created: resource.version === 0,
        ...(clientRef === undefined ? {} : { clientRef }),
      };
      // Later entries of this submission see this version as the current one.
      Object.assign(resource, { version: resource.nextVersion, nextVersion: resource.nextVersion + 1, contentHash: hash, deleted, lastUpdated: options.now });
      return outcome;
    }
    function unchanged(resource: StoredResource): EntryOutcome {
      return {
        kind: 'unchanged',
        entry,
        resourceType: request.resourceType,
        logicalId: resource.logicalId,
        version: resource.version,
        ...(resource.lastUpdated && { lastUpdated: resource.lastUpdated }),
        status: 200,
      };
    }
    function refused(status: number, problem: OperationOutcomeIssue): EntryOutcome {
      return { kind: 'refused', ...(entry === undefined ? {} : { entry }), status, issues: [problem] };
    }
  });
}

/** Every literal reference a submission's resources make, `Type/id`: the service looks their client refs up. */
export function literalReferences(resources: readonly FhirResource[]): { resourceType: string; id: string }[] {
  const found = new Map<string, { resourceType: string; id: string }>();
  for (const resource of resources) {
    forEachReference(resource, (reference) => {
      const match = LITERAL.exec(reference);
      if (match !== null) found.set(reference, { resourceType: match[1], id: match[2] });
      return reference;
    });
  }
  return [...found.values()];
}

/**
 * How many references of the written resources resolve to nothing the institution sent: after renaming, a relative
 * `Type/id` that is neither a resource of this submission nor one sent before (`known`), or a `urn:uuid:`/`urn:oid:`
 * that names no entry. Absolute URLs and `#contained` references point elsewhere and are not counted.
 */
export function danglingReferences(outcomes: readonly EntryOutcome[], known: KnownResources): number {
  const sent = new Set<string>();
  for (const resource of [...known.byClientRef.values(), ...known.byLogicalId.values(), ...known.byIdentifierRef.values()])
    sent.add(`${resource.resourceType}/${resource.logicalId}`);
  for (const outcome of outcomes) if (outcome.kind !== 'refused') sent.add(`${outcome.resourceType}/${outcome.logicalId}`);
  let dangling = 0;
  for (const outcome of outcomes) {
    if (outcome.kind !== 'write' || outcome.deleted) continue;
    forEachReference(outcome.resource, (reference) => {
      if ((LITERAL.test(reference) && !sent.has(reference)) || /^urn:(uuid|oid):/.test(reference)) dangling += 1;
      return reference;
    });
  }
  return dangling;
}

/** Old reference → `Type/logicalId`: fullUrls and `Type/<client id>` of this submission's entries, then earlier submissions'. */
function referenceRenames(
  planned: readonly PlannedRequest[],
  targets: readonly (StoredResource | undefined)[],
  byClientRef: ReadonlyMap<string, StoredResource>,
  refs: Refs,
): (reference: string) => string {
  const renames = new Map<string, string>();
  planned.forEach(({ request }, index) => {
    const target = targets[index];
    if (target === undefined) return;
    const platform = `${request.resourceType}/${target.logicalId}`;
    if (request.fullUrl !== undefined) renames.set(request.fullUrl, platform);
    if (request.clientId !== undefined) renames.set(`${request.resourceType}/${request.clientId}`, platform);
  });
  return (reference) => {
    const renamed = renames.get(reference);
    if (renamed !== undefined) return renamed;
    const match = LITERAL.exec(reference);
    const earlier = match === null ? undefined : byClientRef.get(refs.clientRef(match[1], match[2]));
    return earlier === undefined ? reference : `${earlier.resourceType}/${earlier.logicalId}`;
  };
}

/** A copy with the platform's id and every resolvable reference renamed; the client's own id is not kept. */
function withPlatformIds(resource: FhirResource, logicalId: string, rename: (reference: string) => string): FhirResource {
  const copy = forEachReference(structuredClone(resource), rename) as FhirResource;
  return { ...copy, id: logicalId };
}

function forEachReference(value: unknown, rename: (reference: string) => string): unknown {
  if (Array.isArray(value)) {
    value.forEach((item, index) => (value[index] = forEachReference(item, rename)));
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const [name, child] of Object.entries(record)) {
      record[name] = name === 'reference' && typeof child === 'string' ? rename(child) : forEachReference(child, rename);
    }
  }
  return value;
}

function identifiersOf(resource: FhirResource | undefined): { system: string; value: string }[] {
  const identifiers = resource?.['identifier'];
  return (Array.isArray(identifiers) ? identifiers : []).filter(
    (identifier): identifier is { system: string; value: string } => typeof identifier?.system === 'string' && typeof identifier?.value === 'string',
  );
}
