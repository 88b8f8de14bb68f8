// A resource's own invariants (dom-2..5, obs-6, bdl-7...) for every resource of a submission: medplum evaluates them
// for the top-level resource only, and skips dom-3, which its FHIRPath cannot evaluate (descendants() is empty).
import { crawlTypedValue, evalFhirPathTyped, getDataType, parseFhirPath, toTypedValue, UCUM, type InternalTypeSchema, type TypedValue } from '@medplum/core';
import type { FhirResource, OperationOutcomeIssue } from './fhir-types';
import { errorIssue } from './operation-outcome';

type Constraint = NonNullable<InternalTypeSchema['constraints']>[number];
export type FhirPathAtom = ReturnType<typeof parseFhirPath>;

// ele-1 (no empty elements) is the strict pass's empty-value check; dom-3 is checked natively (containedIsReferenced).
const NOT_BY_FHIRPATH = new Set(['ele-1', 'dom-3']);
const LOCAL_REFERENCE_TYPES = new Set(['canonical', 'uri', 'url']);
const ucum = toTypedValue(UCUM);

/** The error-severity constraints of a resource type that are evaluated as FHIRPath, for every resource at any depth. */
export function resourceInvariantsOf(schema: InternalTypeSchema): Constraint[] {
  return (schema.constraints ?? []).filter((constraint) => constraint.severity === 'error' && !NOT_BY_FHIRPATH.has(constraint.key));
}

/**
 * The value dom-3 reads as a local reference (`#id`): a `reference` string or a canonical/uri/url, as in its
 * `%resource.descendants().reference | ...as(canonical) | ...as(uri) | ...as(url)`.
 */
export function isLocalReference(key: string, type: string, value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('#') && (key === 'reference' || LOCAL_REFERENCE_TYPES.has(type));
}

/** A contained resource, with the local references found inside it. */
export interface ContainedResource {
  id: unknown;
  localReferences: readonly string[];
}

/**
 * dom-3: each contained resource is referred to from elsewhere in its container (any local reference inside the
 * container, contained resources included, naming `#id`), or itself refers to its container (`#`).
 */
export function containedIsReferenced(contained: ContainedResource, containerReferences: readonly string[]): boolean {
  return (typeof contained.id === 'string' && containerReferences.includes(`#${contained.id}`)) || contained.localReferences.includes('#');
}

export function dom3Issue(path: string): OperationOutcomeIssue {
  const dom3 = getDataType('DomainResource').constraints?.find((constraint) => constraint.key === 'dom-3');
  return errorIssue('invariant', `Constraint dom-3 not met: ${dom3?.description ?? 'a contained resource must be referenced'}`, path);
}

const parsedExpressions = new Map<string, FhirPathAtom>();

/** An invariant's FHIRPath, parsed once per process. */
export function parsedExpression(expression: string): FhirPathAtom {
  let parsed = parsedExpressions.get(expression);
  if (parsed === undefined) {
    parsed = parseFhirPath(expression);
    parsedExpressions.set(expression, parsed);
  }
  return parsed;
}

/**
 * True when an invariant holds on a value: its FHIRPath gives exactly `true` (as medplum and the HL7 validator
 * require). %rootResource is the container of a contained resource, else the resource itself.
 */
export function invariantHolds(expression: FhirPathAtom, value: TypedValue, resource: TypedValue, rootResource: TypedValue): boolean {
  const variables = { '%context': value, '%ucum': ucum, '%resource': resource, '%rootResource': rootResource };
  const result = evalFhirPathTyped(expression, [value], variables);
  return result.length === 1 && result[0].value === true;
}

interface ResourceFrame {
  value: TypedValue;
  rootResource: TypedValue;
  path: string;
  localReferences: string[];
  contained: ContainedResource[];
  isContained: boolean;
}

/** Every resource's own invariants and dom-3, each reported at the resource's path (`Bundle.entry[0].resource`). */
export function resourceInvariantIssues(resource: FhirResource): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const frames: ResourceFrame[] = [];
  crawlTypedValue(toTypedValue(resource), {
    onEnterResource: (_path, value) => {
      const container = frames[frames.length - 1];
      const isContained = container !== undefined && /\.contained\[\d+\]$/.test(value.path);
      const typed = { type: value.type, value: value.value };
      frames.push({
        value: typed,
        rootResource: isContained ? container.rootResource : typed,
        path: value.path,
        localReferences: [],
        contained: [],
        isContained,
      });
    },
    visitProperty: (_parent, key, _path, propertyValues) => {
      for (const value of propertyValues.flat()) {
        const primitive: unknown = value?.value?.valueOf();
        if (value && isLocalReference(key, value.type, primitive)) frames.forEach((frame) => frame.localReferences.push(primitive));
      }
    },
    onExitResource: () => {
      const frame = frames.pop() as ResourceFrame;
      issues.push(...invariantIssuesOf(frame));
      for (const [index, contained] of frame.contained.entries()) {
        if (!containedIsReferenced(contained, frame.localReferences)) issues.push(dom3Issue(`${frame.path}.contained[${index}]`));
      }
      if (frame.isContained) {
        frames[frames.length - 1].contained.push({ id: (frame.value.value as FhirResource).id, localReferences: frame.localReferences });
      }
    },
  });
  return issues;
}

function invariantIssuesOf(frame: ResourceFrame): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  for (const constraint of resourceInvariantsOf(getDataType(frame.value.type))) {
    let holds: boolean;
    try {
      holds = invariantHolds(parsedExpression(constraint.expression), frame.value, frame.value, frame.rootResource);
    } catch {
      holds = false;
    }
    if (!holds) issues.push(errorIssue('invariant', `Constraint ${constraint.key} not met: ${constraint.description}`, frame.path));
  }
  return issues;
}
