// Checks medplum's validateResource leaves out: empty values, codes in required bindings, dateTime offsets, reference types.
import {
  crawlTypedValue,
  isResourceType,
  toTypedValue,
  type InternalSchemaElement,
  type TypedValueWithPath,
} from '@medplum/core';
import { valueSetCodes, type ValueSetCodes } from './definitions';
import type { CodeableConcept, Coding, FhirResource, OperationOutcomeIssue, Reference } from './fhir-types';
import { errorIssue } from './operation-outcome';

const HL7_PROFILE_BASE = 'http://hl7.org/fhir/StructureDefinition/';
// R4: "If hours and minutes are specified, a time zone SHALL be populated"; medplum's regex makes the zone optional.
const TIME_WITHOUT_OFFSET = /T[^Z+-]*$/;

/** Walks a resource that already passed medplum's structural validation and returns the extra issues. */
export function strictIssues(resource: FhirResource): OperationOutcomeIssue[] {
  const issues = emptyValueIssues(resource, resource.resourceType);
  crawlTypedValue(toTypedValue(resource), {
    visitProperty: (_parent, key, _path, propertyValues, schema) => {
      const element = schema.elements[key];
      for (const value of propertyValues.flat()) {
        if (value?.value !== undefined) {
          issues.push(...valueIssues(value, element));
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

function valueIssues(value: TypedValueWithPath, element: InternalSchemaElement): OperationOutcomeIssue[] {
  switch (value.type) {
    case 'dateTime':
      return dateTimeIssues(value);
    case 'Reference':
      return referenceIssues(value, element);
    case 'code':
    case 'Coding':
    case 'CodeableConcept':
      return bindingIssues(value, element);
    default:
      return [];
  }
}

function dateTimeIssues(value: TypedValueWithPath): OperationOutcomeIssue[] {
  const text = primitiveString(value);
  return text !== undefined && TIME_WITHOUT_OFFSET.test(text)
    ? [errorIssue('value', 'A dateTime with a time must carry a time zone offset', jsonPath(value))]
    : [];
}

function bindingIssues(value: TypedValueWithPath, element: InternalSchemaElement): OperationOutcomeIssue[] {
  const binding = element.binding as { strength?: string; valueSet?: string } | undefined;
  if (binding?.strength !== 'required' || !binding.valueSet) {
    return [];
  }
  const allowed = valueSetCodes(binding.valueSet);
  if (!allowed) {
    return [];
  }
  const codings = candidateCodings(value);
  const anyAllowed = codings.some((coding) => isAllowed(coding, allowed, value.type === 'code'));
  if (anyAllowed) {
    return [];
  }
  const shown = codings.map((coding) => coding.code ?? '(none)').join(', ') || '(none)';
  return [errorIssue('code-invalid', `Code ${shown} is not in the required value set ${binding.valueSet.split('|')[0]}`, jsonPath(value))];
}

function candidateCodings(value: TypedValueWithPath): Coding[] {
  switch (value.type) {
    case 'code': {
      const code = primitiveString(value);
      return code === undefined ? [] : [{ code }];
    }
    case 'Coding':
      return [value.value as Coding];
    default:
      return (value.value as CodeableConcept).coding ?? [];
  }
}

// A bare `code` carries no system, so any system of the value set may supply it.
function isAllowed(coding: Coding, allowed: ValueSetCodes, anySystem: boolean): boolean {
  if (coding.code === undefined) {
    return false;
  }
  if (anySystem) {
    return [...allowed.values()].some((codes) => codes.has(coding.code as string));
  }
  return coding.system !== undefined && (allowed.get(coding.system)?.has(coding.code) ?? false);
}

function referenceIssues(value: TypedValueWithPath, element: InternalSchemaElement): OperationOutcomeIssue[] {
  const targetType = literalReferenceType((value.value as Reference).reference);
  const targetProfiles = element.type.find((type) => type.code === 'Reference')?.targetProfile;
  if (!targetType || !targetProfiles || !targetProfiles.every((profile) => profile.startsWith(HL7_PROFILE_BASE))) {
    return [];
  }
  const targetTypes = targetProfiles.map((profile) => profile.slice(HL7_PROFILE_BASE.length));
  if (targetTypes.includes('Resource') || targetTypes.includes(targetType)) {
    return [];
  }
  return [errorIssue('structure', `Reference to ${targetType} where ${targetTypes.join(' | ')} is expected`, jsonPath(value))];
}

/** The resource type of a relative or absolute literal reference ("Patient/1", "https://x/fhir/Patient/1"). */
function literalReferenceType(reference: string | undefined): string | undefined {
  const match = reference === undefined ? null : /(?:^|\/)([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(reference);
  return match && isResourceType(match[1]) ? match[1] : undefined;
}

/** The JSON path of a value: medplum names a choice element value[x], the JSON calls it valueQuantity etc. */
function jsonPath(value: TypedValueWithPath): string {
  return value.path.endsWith('[x]') ? value.path.slice(0, -3) + value.type[0].toUpperCase() + value.type.slice(1) : value.path;
}

function primitiveString(value: TypedValueWithPath): string | undefined {
  const primitive: unknown = value.value?.valueOf();
  return typeof primitive === 'string' ? primitive : undefined;
}
