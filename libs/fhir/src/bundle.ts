// Splits batch and transaction Bundles into entries and finds each entry's patient across urn:uuid references.
import type { Bundle, BundleEntryRequest, FhirResource, OperationOutcomeIssue } from './fhir-types';
import { errorIssue } from './operation-outcome';
import { patientReferenceOf, type PatientIdentifier, type PatientReference } from './patient-reference';

export type SplittableBundleType = 'batch' | 'transaction';

export interface BundleEntryView {
  index: number;
  fullUrl?: string;
  resource: FhirResource;
  request?: BundleEntryRequest;
  /** The entry's patient; a reference to another entry is replaced by that Patient entry's fullUrl, id and identifiers. */
  patient?: PatientReference;
}

export type SplitBundle = { ok: true; type: SplittableBundleType; entries: BundleEntryView[] } | { ok: false; issues: OperationOutcomeIssue[] };

/**
 * Splits a batch or transaction Bundle; dangling or non-Patient intra-bundle patient references are issues. Entries
 * in `skip` (refused already) are left out, and nothing resolves to them.
 */
export function splitBundle(bundle: unknown, skip: ReadonlySet<number> = new Set()): SplitBundle {
  const shapeIssues = bundleShapeIssues(bundle, skip);
  if (shapeIssues.length > 0) {
    return { ok: false, issues: shapeIssues };
  }
  const { type, entry = [] } = bundle as Bundle;
  const byFullUrl = new Map<string, FhirResource>();
  entry.forEach(({ fullUrl, resource }, index) => fullUrl !== undefined && resource !== undefined && !skip.has(index) && byFullUrl.set(fullUrl, resource));

  const issues: OperationOutcomeIssue[] = [];
  const entries = entry.flatMap(({ fullUrl, resource, request }, index): BundleEntryView[] => {
    if (resource === undefined || skip.has(index)) return [];
    const patient = resolvePatient(resource, fullUrl, byFullUrl, index, issues);
    return [
      {
        index,
        resource: resource as FhirResource,
        ...(fullUrl === undefined ? {} : { fullUrl }),
        ...(request === undefined ? {} : { request }),
        ...(patient === undefined ? {} : { patient }),
      },
    ];
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, type: type as SplittableBundleType, entries };
}

function bundleShapeIssues(bundle: unknown, skip: ReadonlySet<number>): OperationOutcomeIssue[] {
  if (typeof bundle !== 'object' || bundle === null || (bundle as FhirResource).resourceType !== 'Bundle') {
    return [errorIssue('structure', 'Expected a Bundle')];
  }
  const { type, entry } = bundle as Bundle;
  if (type !== 'batch' && type !== 'transaction') {
    return [errorIssue('not-supported', 'Bundle type must be batch or transaction', 'Bundle.type')];
  }
  if (entry !== undefined && !Array.isArray(entry)) {
    return [errorIssue('structure', 'Bundle.entry must be an array', 'Bundle.entry')];
  }
  const issues: OperationOutcomeIssue[] = [];
  const seen = new Set<string>();
  (entry ?? []).forEach(({ fullUrl, resource, request }, index) => {
    // A delete names its target in request.url and carries no resource.
    if ((resource === undefined && request?.method === 'DELETE') || skip.has(index)) return;
    if (typeof resource !== 'object' || resource === null || typeof resource.resourceType !== 'string') {
      issues.push(errorIssue('required', 'Entry has no resource', `Bundle.entry[${index}].resource`));
    }
    if (fullUrl !== undefined && seen.has(fullUrl)) {
      issues.push(errorIssue('duplicate', 'The fullUrl appears twice', `Bundle.entry[${index}].fullUrl`));
    }
    if (fullUrl !== undefined) {
      seen.add(fullUrl);
    }
  });
  return issues;
}

function resolvePatient(
  resource: FhirResource,
  fullUrl: string | undefined,
  byFullUrl: ReadonlyMap<string, FhirResource>,
  index: number,
  issues: OperationOutcomeIssue[],
): PatientReference | undefined {
  const named = patientReferenceOf(resource);
  if (resource.resourceType === 'Patient') {
    return named === undefined || fullUrl === undefined ? named : { ...named, reference: fullUrl };
  }
  const target = named?.reference === undefined ? undefined : byFullUrl.get(named.reference);
  if (named?.reference === undefined || target === undefined) {
    if (named?.reference?.startsWith('urn:')) {
      issues.push(errorIssue('not-found', 'The patient reference does not resolve within the bundle', `Bundle.entry[${index}].resource`));
    }
    return named;
  }
  if (target.resourceType !== 'Patient') {
    issues.push(errorIssue('invalid', 'The patient reference points to an entry that is not a Patient', `Bundle.entry[${index}].resource`));
    return undefined;
  }
  const targetPatient = patientReferenceOf(target);
  return {
    identifiers: mergeIdentifiers(named.identifiers, targetPatient?.identifiers ?? []),
    reference: named.reference,
    ...(target.id === undefined ? {} : { patientId: target.id }),
  };
}

function mergeIdentifiers(first: PatientIdentifier[], second: PatientIdentifier[]): PatientIdentifier[] {
  const merged = [...first];
  for (const identifier of second) {
    if (!merged.some((known) => known.system === identifier.system && known.value === identifier.value)) {
      merged.push(identifier);
    }
  }
  return merged;
}
