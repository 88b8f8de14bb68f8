// What an issue may tell a caller and the platform's records: a code, a fixed text and an element path whose every
// segment the schema knows. Element names a client invents (an MRN used as a JSON key) and values never leave.
import { isResourceType, tryGetDataType, type InternalTypeSchema } from '@medplum/core';
import type { OperationOutcomeIssue } from './fhir-types';
import { keyElementsOf } from './json-shape';

/** Stands for a path segment the schema does not know, and for everything below it. */
export const UNKNOWN_ELEMENT = '<unknown>';

/** A path segment as validators write it: `name`, `value[x]`, `_birthDate`, each optionally indexed `[3]`. */
const SEGMENT = /^(_?[A-Za-z][A-Za-z0-9]*(?:\[x\])?)(?:\[(\d{1,9})\])?$/;

/** The issue with only what the schema knows: medplum quotes unknown keys in its texts, and its diagnostics may quote values. */
export function publicIssue(resource: unknown, issue: OperationOutcomeIssue): OperationOutcomeIssue {
  const text = issue.details?.text ?? '';
  return {
    severity: issue.severity,
    code: issue.code,
    details: { text: text.startsWith('Invalid additional property') ? 'Unknown element: not defined for this type' : text },
    ...(issue.expression === undefined ? {} : { expression: issue.expression.map((expression) => knownPath(resource, expression)) }),
  };
}

/**
 * `expression` walked along the resource and its schema: from the first segment the schema does not know (or that
 * cannot be followed), the rest is one UNKNOWN_ELEMENT. A path that does not start at the resource's type is unknown.
 */
export function knownPath(resource: unknown, expression: string): string {
  const [root, ...segments] = expression.split('.');
  const resourceType = resourceTypeOf(resource);
  if (resourceType === undefined || root !== resourceType) return UNKNOWN_ELEMENT;
  const known = [root];
  let schema: InternalTypeSchema | undefined = tryGetDataType(resourceType);
  let value: unknown = resource;
  for (const segment of segments) {
    const match = SEGMENT.exec(segment);
    const step = match === null || schema === undefined ? undefined : stepInto(schema, value, match[1], match[2]);
    if (step === undefined) {
      known.push(UNKNOWN_ELEMENT);
      break;
    }
    known.push(segment);
    ({ schema, value } = step);
  }
  return known.join('.');
}

/** The schema and JSON value one segment down; undefined when the schema has no such element. */
function stepInto(
  schema: InternalTypeSchema,
  value: unknown,
  name: string,
  index: string | undefined,
): { schema: InternalTypeSchema | undefined; value: unknown } | undefined {
  const keys = keyElementsOf(schema);
  const primitiveExtension = name.startsWith('_');
  const jsonName = primitiveExtension ? name.slice(1) : name;
  let type: string | undefined;
  let child: unknown;
  if (jsonName.endsWith('[x]')) {
    // medplum names a choice by its element (`value[x]`): the JSON key present says which type it is.
    const element = schema.elements[jsonName];
    if (element === undefined) return undefined;
    const present = Object.keys(asObject(value)).find((key) => keys.get(key)?.element === element);
    type = present === undefined ? undefined : keys.get(present)?.type;
    child = present === undefined ? undefined : asObject(value)[present];
  } else {
    const property = keys.get(jsonName);
    if (property === undefined) return undefined;
    type = primitiveExtension ? 'Element' : property.type;
    child = asObject(value)[name];
  }
  if (index !== undefined) child = Array.isArray(child) ? child[Number(index)] : undefined;
  if (type === 'Resource') type = resourceTypeOf(child);
  return { schema: type === undefined ? undefined : tryGetDataType(type), value: child };
}

function resourceTypeOf(value: unknown): string | undefined {
  const resourceType = asObject(value).resourceType;
  return typeof resourceType === 'string' && isResourceType(resourceType) ? resourceType : undefined;
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
