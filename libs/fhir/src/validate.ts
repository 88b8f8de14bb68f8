// Validates FHIR R4 JSON with medplum's StructureDefinition validator plus medshare's strict checks.
import { isResourceType, normalizeOperationOutcome, validateResource } from '@medplum/core';
import { isCleanResource } from './clean-resource';
import { assertFhirDefinitionsLoaded } from './definitions';
import type { FhirResource, OperationOutcomeIssue } from './fhir-types';
import { MAX_JSON_DEPTH, exceedsJsonDepth } from './json-limits';
import { jsonShapeIssues } from './json-shape';
import { errorIssue } from './operation-outcome';
import { publicIssue } from './public-issues';
import { resourceInvariantIssues } from './resource-invariants';
import { strictIssues } from './strict-checks';

export type FhirValidation<T extends FhirResource = FhirResource> = { ok: true; resource: T } | { ok: false; issues: OperationOutcomeIssue[] };

/** Issues returned at most: a flood of errors (a million wrong values) is answered with the first ones and a count. */
export const MAX_REPORTED_ISSUES = 100;

/**
 * Validates any JSON value as a FHIR R4 resource (bundles and contained resources included).
 * Only errors fail; medplum's warnings are superseded by the strict reference check and are not returned.
 * Issues carry codes, fixed texts and schema-known element paths only (see public-issues.ts), never a value.
 */
export function validateFhirResource(resource: unknown): FhirValidation {
  assertFhirDefinitionsLoaded();
  if (!isResourceObject(resource)) {
    return { ok: false, issues: [errorIssue('structure', 'Expected a JSON object with a resourceType')] };
  }
  if (!isResourceType(resource.resourceType)) {
    return { ok: false, issues: [errorIssue('not-supported', 'Unknown resource type', 'resourceType')] };
  }
  if (exceedsJsonDepth(resource)) {
    return { ok: false, issues: [errorIssue('too-costly', `The resource nests deeper than ${MAX_JSON_DEPTH} levels`)] };
  }
  // Most submissions are valid: one walk over their keys proves it; the reporting path below explains the rest.
  if (isCleanResource(resource)) return { ok: true, resource };
  const { issues, complete } = reportIssues(resource);
  if (issues.length === 0) return { ok: true, resource };
  const listed = issues.slice(0, MAX_REPORTED_ISSUES).map((issue) => publicIssue(resource, issue));
  if (!complete) return { ok: false, issues: [...listed, errorIssue('too-costly', `More issues not listed: validation stops after ${MAX_REPORTED_ISSUES}`)] };
  const unlisted = issues.length - listed.length;
  return { ok: false, issues: unlisted > 0 ? [...listed, errorIssue('too-costly', `${unlisted} more issues not listed`)] : listed };
}

/**
 * reportedIssues, stopping early on a flood of wrong JSON shapes: medplum would report each of a million wrong
 * values again, at length (15-23 s for a 2 MB body), so past MAX_REPORTED_ISSUES shape issues it is not run.
 */
function reportIssues(resource: FhirResource): { issues: OperationOutcomeIssue[]; complete: boolean } {
  const shapes = jsonShapeIssues(resource, MAX_REPORTED_ISSUES + 1);
  if (shapes.length > MAX_REPORTED_ISSUES) return { issues: shapes, complete: false };
  return { issues: reportedIssues(resource, shapes), complete: true };
}

/**
 * Structural errors (medplum's, and the JSON shapes it lets through), or when there are none the strict issues and
 * every resource's invariants: the reference the fast path must agree with (it walks every element the schema
 * defines, so it costs several times the fast path).
 */
export function reportedIssues(resource: FhirResource, shapes: OperationOutcomeIssue[] = jsonShapeIssues(resource)): OperationOutcomeIssue[] {
  const structural = [...structuralErrors(resource), ...shapes];
  return structural.length > 0 ? structural : [...strictIssues(resource), ...resourceInvariantIssues(resource)];
}

// medplum throws an OperationOutcomeError carrying every issue as soon as one of them is an error.
function structuralErrors(resource: FhirResource): OperationOutcomeIssue[] {
  try {
    validateResource(resource);
    return [];
  } catch (error) {
    const issues = normalizeOperationOutcome(error).issue as OperationOutcomeIssue[];
    return issues.filter((issue) => issue.severity === 'error' || issue.severity === 'fatal');
  }
}

function isResourceObject(value: unknown): value is FhirResource {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { resourceType?: unknown }).resourceType === 'string';
}
