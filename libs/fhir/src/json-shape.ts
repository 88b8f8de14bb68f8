// JSON shapes medplum's validator lets through: a scalar where a complex type belongs, an object where a primitive
// belongs, `_x` beside a complex element, and two keys of one choice element.
import { fhirTypeToJsType, isPrimitiveType, isResourceType, tryGetDataType, type InternalSchemaElement, type InternalTypeSchema } from '@medplum/core';
import type { FhirResource, OperationOutcomeIssue } from './fhir-types';
import { errorIssue } from './operation-outcome';

/** What one JSON key of a type stands for (`valueQuantity` → `value[x]` as Quantity). */
export interface KeyElement {
  element: InternalSchemaElement;
  /** The element's name as written in the definition: `value[x]` for a choice. */
  name: string;
  type: string;
  choice: boolean;
}

/**
 * Walks the keys `resource` has, at every depth (contained resources and bundle entries included), and stops once
 * it found `limit` issues: a flood of wrong values costs no more than its first ones.
 */
export function jsonShapeIssues(resource: FhirResource, limit = Number.POSITIVE_INFINITY): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const schema = tryGetDataType(resource.resourceType);
  if (schema) shapeOfObject(resource, schema, resource.resourceType, new IssueList(issues, limit));
  return issues;
}

/** The issues found so far, full once there are `limit` of them. */
class IssueList {
  constructor(
    private readonly issues: OperationOutcomeIssue[],
    private readonly limit: number,
  ) {}

  get full(): boolean {
    return this.issues.length >= this.limit;
  }

  push(issue: OperationOutcomeIssue): void {
    if (!this.full) this.issues.push(issue);
  }
}

function shapeOfObject(object: Record<string, unknown>, schema: InternalTypeSchema, path: string, issues: IssueList): void {
  const choiceKeys = new Map<InternalSchemaElement, string>();
  for (const [key, value] of Object.entries(object)) {
    if (issues.full) return;
    // An undefined value is an absent key (it cannot come from JSON).
    if (key === 'resourceType' || value === undefined) continue;
    const extension = key.startsWith('_');
    const jsonKey = extension ? key.slice(1) : key;
    const property = keyElementsOf(schema).get(jsonKey);
    // Unknown keys are medplum's to report.
    if (property === undefined) continue;
    const propertyPath = `${path}.${key}`;
    if (property.choice) {
      const first = choiceKeys.get(property.element);
      if (first !== undefined && first !== jsonKey) {
        issues.push(errorIssue('structure', `Conflicting choice of type properties: "${jsonKey}", "${first}" (one ${property.name} only)`, propertyPath));
      }
      choiceKeys.set(property.element, first ?? jsonKey);
    }
    const primitive = isPrimitiveType(property.type);
    if (extension && !primitive) {
      issues.push(errorIssue('structure', `Only a primitive element has an _ form (${key})`, propertyPath));
      continue;
    }
    const items: readonly unknown[] = Array.isArray(value) ? value : [value];
    for (let index = 0; index < items.length && !issues.full; index += 1) {
      const item = items[index];
      const itemPath = Array.isArray(value) ? `${propertyPath}[${index}]` : propertyPath;
      // null and undefined are medplum's to report (a null has a meaning in primitive arrays with extensions).
      if (item === null || item === undefined) continue;
      if (extension) {
        shapeOfComplex(item, 'Element', itemPath, issues);
      } else if (primitive) {
        if (typeof item === 'object') {
          const expected = fhirTypeToJsType[property.type as keyof typeof fhirTypeToJsType] ?? 'primitive';
          issues.push(
            errorIssue(
              'structure',
              `Expected a ${property.type} as a JSON ${expected}, got a JSON ${jsonKindOf(item)} (its id and extensions belong in _${jsonKey})`,
              itemPath,
            ),
          );
        }
      } else {
        shapeOfComplex(item, property.type, itemPath, issues);
      }
    }
  }
}

function shapeOfComplex(value: unknown, type: string, path: string, issues: IssueList): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push(errorIssue('structure', `Expected a ${type} as a JSON object, got a JSON ${jsonKindOf(value)}`, path));
    return;
  }
  const object = value as Record<string, unknown>;
  let actualType = type;
  if (type === 'Resource') {
    if (typeof object.resourceType !== 'string' || !isResourceType(object.resourceType)) {
      issues.push(errorIssue('structure', 'Expected a resource with a known resourceType', path));
      return;
    }
    actualType = object.resourceType;
  }
  const schema = tryGetDataType(actualType);
  if (schema) shapeOfObject(object, schema, path, issues);
}

function jsonKindOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  return value === null ? 'null' : typeof value;
}

const keyElementsBySchema = new WeakMap<InternalTypeSchema, Map<string, KeyElement>>();

/** The JSON keys of a type and the element each stands for (`valueQuantity` → `value[x]`; look `_x` up as `x`), built once per schema. */
export function keyElementsOf(schema: InternalTypeSchema): Map<string, KeyElement> {
  let keys = keyElementsBySchema.get(schema);
  if (keys === undefined) {
    keys = new Map();
    for (const [name, element] of Object.entries(schema.elements)) {
      const choice = name.endsWith('[x]');
      if (!choice) {
        keys.set(name, { element, name, type: element.type?.[0]?.code ?? 'Element', choice });
        continue;
      }
      for (const { code } of element.type ?? []) {
        keys.set(name.slice(0, -3) + code.charAt(0).toUpperCase() + code.slice(1), { element, name, type: code, choice });
      }
    }
    keyElementsBySchema.set(schema, keys);
  }
  return keys;
}
