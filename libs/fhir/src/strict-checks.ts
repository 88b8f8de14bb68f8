// Checks medplum's validateResource leaves out: empty values, codes in required bindings, dateTime offsets, reference types.
import { crawlTypedValue, isResourceType, toTypedValue, type InternalSchemaElement, type TypedValueWithPath } from '@medplum/core';
import { valueSetCodes, type ValueSetCodes } from './definitions';
import type { CodeableConcept, Coding, FhirResource, OperationOutcomeIssue, Reference } from './fhir-types';
import { errorIssue } from './operation-outcome';

const HL7_PROFILE_BASE = 'http://hl7.org/fhir/StructureDefinition/';
// R4: "If hours and minutes are specified, a time zone SHALL be populated"; medplum's regex makes the zone optional.
const TIME_WITHOUT_OFFSET = /T[^Z+-]*$/;
const LITERAL_REFERENCE = /(?:^|\/)([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** The FHIR types whose values strictValueIssue inspects; every other type has no strict value check. */
export const STRICTLY_CHECKED_TYPES: ReadonlySet<string> = new Set(['dateTime', 'Reference', 'code', 'Coding', 'CodeableConcept']);

/** Walks a resource that already passed medplum's structural validation and returns the extra issues. */
export function strictIssues(resource: FhirResource): OperationOutcomeIssue[] {
  const issues = emptyValueIssues(resource, resource.resourceType);
  crawlTypedValue(toTypedValue(resource), {
    visitProperty: (_parent, key, _path, propertyValues, schema) => {
      const element = schema.elements[key];
      for (const value of propertyValues.flat()) {
        if (value?.value !== undefined) {
          const issue = strictValueIssue(value.type, value.value, element, jsonPath(value));
          if (issue) issues.push(issue);
        }
      }
    },
  });
  return issues;
}

// FHIR JSON forbids empty strings, arrays and objects; medplum only catches some of them (not top-level ones).
function emptyValueIssues(json: unknown, path: string): OperationOutcomeIssue[] {
  if (typeof json === 'string') {
    return json.trim() === '' ? [errorIssue('value', 'Empty strings are not allowed', path)] : [];
  }
  if (typeof json !== 'object' || json === null) {
    return [];
  }
  const children: [string, unknown][] = Array.isArray(json)
    ? json.map((item, index) => [`${path}[${index}]`, item])
    : Object.entries(json).map(([key, item]) => [`${path}.${key}`, item]);
  if (children.length === 0) {
    return [errorIssue('value', Array.isArray(json) ? 'Empty arrays are not allowed' : 'Empty objects are not allowed', path)];
  }
  return children.flatMap(([childPath, item]) => emptyValueIssues(item, childPath));
}

/**
 * The strict issue of one value of FHIR type `type` held by `element`, or undefined. Shared by the reporting pass
 * above and the clean-resource fast path, so both apply the same rules.
 */
export function strictValueIssue(type: string, value: unknown, element: InternalSchemaElement, path: string): OperationOutcomeIssue | undefined {
  switch (type) {
    case 'dateTime':
      return dateTimeIssue(value, path);
    case 'Reference':
      return referenceIssue(value as Reference, element, path);
    case 'code':
    case 'Coding':
    case 'CodeableConcept':
      return bindingIssue(type, value, element, path);
    default:
      return undefined;
  }
}

function dateTimeIssue(value: unknown, path: string): OperationOutcomeIssue | undefined {
  const text = primitiveString(value);
  return text !== undefined && TIME_WITHOUT_OFFSET.test(text) ? errorIssue('value', 'A dateTime with a time must carry a time zone offset', path) : undefined;
}

function bindingIssue(type: string, value: unknown, element: InternalSchemaElement, path: string): OperationOutcomeIssue | undefined {
  const binding = element.binding as { strength?: string; valueSet?: string } | undefined;
  if (binding?.strength !== 'required' || !binding.valueSet) {
    return undefined;
  }
  const allowed = valueSetCodes(binding.valueSet);
  if (!allowed) {
    return undefined;
  }
  const codings = candidateCodings(type, value);
  const anyAllowed = codings.some((coding) => isAllowed(coding, allowed, type === 'code'));
  if (anyAllowed) {
    return undefined;
  }
  return errorIssue('code-invalid', `The code is not in the required value set ${binding.valueSet.split('|')[0]}`, path);
}

function candidateCodings(type: string, value: unknown): Coding[] {
  switch (type) {
    case 'code': {
      const code = primitiveString(value);
      return code === undefined ? [] : [{ code }];
    }
    case 'Coding':
      return [value as Coding];
    default: {
      // medplum reads an empty coding ('' or {}) as absent, so it reaches this pass unchecked.
      const { coding } = value as CodeableConcept;
      return Array.isArray(coding) ? coding : [];
    }
  }
}

// A bare `code` carries no system, so any system of the value set may supply it.
function isAllowed(coding: Coding, allowed: ValueSetCodes, anySystem: boolean): boolean {
  if (coding.code === undefined) {
    return false;
  }
  if (anySystem) {
    return allowed.anySystem.has(coding.code);
  }
  return coding.system !== undefined && (allowed.bySystem.get(coding.system)?.has(coding.code) ?? false);
}

function referenceIssue(value: Reference, element: InternalSchemaElement, path: string): OperationOutcomeIssue | undefined {
  const targetType = literalReferenceType(value.reference);
  if (!targetType) {
    return undefined;
  }
  const targetTypes = hl7TargetTypes(element);
  if (!targetTypes || targetTypes.includes('Resource') || targetTypes.includes(targetType)) {
    return undefined;
  }
  return errorIssue('structure', `The reference names a resource type this element does not allow (${targetTypes.join(' | ')} expected)`, path);
}

// The resource types an element's Reference may target; undefined when unrestricted or a profile outside the core.
const targetTypesByElement = new WeakMap<InternalSchemaElement, readonly string[] | undefined>();
function hl7TargetTypes(element: InternalSchemaElement): readonly string[] | undefined {
  if (targetTypesByElement.has(element)) {
    return targetTypesByElement.get(element);
  }
  const targetProfiles = element.type.find((type) => type.code === 'Reference')?.targetProfile;
  const targetTypes =
    targetProfiles && targetProfiles.every((profile) => profile.startsWith(HL7_PROFILE_BASE))
      ? targetProfiles.map((profile) => profile.slice(HL7_PROFILE_BASE.length))
      : undefined;
  targetTypesByElement.set(element, targetTypes);
  return targetTypes;
}

/** The resource type of a relative or absolute literal reference ("Patient/1", "https://x/fhir/Patient/1"). */
function literalReferenceType(reference: string | undefined): string | undefined {
  const match = reference === undefined ? null : LITERAL_REFERENCE.exec(reference);
  return match && isResourceType(match[1]) ? match[1] : undefined;
}

/** The JSON path of a value: medplum names a choice element value[x], the JSON calls it valueQuantity etc. */
function jsonPath(value: TypedValueWithPath): string {
  return value.path.endsWith('[x]') ? value.path.slice(0, -3) + value.type[0].toUpperCase() + value.type.slice(1) : value.path;
}

function primitiveString(value: unknown): string | undefined {
  const primitive: unknown = value?.valueOf();
  return typeof primitive === 'string' ? primitive : undefined;
}
