// The fast path of validation: one walk over the keys a resource has, proving that neither medplum's validator nor the
// strict pass would report an error. Anything it cannot prove sends the resource down the full, reporting path.
import {
  evalFhirPathTyped,
  fhirTypeToJsType,
  isPrimitiveType,
  isResourceType,
  parseFhirPath,
  toTypedValue,
  tryGetDataType,
  UCUM,
  validationRegexes,
  type InternalSchemaElement,
  type InternalTypeSchema,
  type TypedValue,
} from '@medplum/core';
import type { FhirResource } from './fhir-types';
import { STRICTLY_CHECKED_TYPES, strictValueIssue } from './strict-checks';

type FhirPathAtom = ReturnType<typeof parseFhirPath>;

/** A constraint medplum enforces (severity error, not in its skip list), parsed once. */
interface Invariant {
  expression: FhirPathAtom;
}

/** What the walk needs to know about one JSON key of a type: its element, the FHIR type that key carries, the rules. */
interface PropertySlot {
  element: InternalSchemaElement;
  type: string;
  /** The key is one of several for a choice element (valueQuantity, valueString... for value[x]). */
  choice: boolean;
  required: boolean;
  /** For primitive types: the JSON type and the format medplum checks. */
  jsonType?: 'string' | 'number' | 'boolean';
  format?: RegExp;
  invariants: Invariant[];
  strict: boolean;
}

/** The JSON keys of a type with their slots; built once per type schema. */
interface TypeLayout {
  slots: Map<string, PropertySlot>;
  requiredCount: number;
  /** A shape this walk does not model (slicing, fixed or pattern values, keys that do not follow element paths). */
  unsupported: boolean;
  invariants: Invariant[];
}

interface ResourceContext {
  resource: TypedValue;
  root: TypedValue;
}

// medplum's own skip list (typeschema/validation.ts): these invariants are never evaluated.
const SKIPPED_INVARIANTS = new Set(['ele-1', 'dom-3', 'org-1', 'sdf-19']);
const MAX_STRING_LENGTH = 1024 * 1024;
const INTEGER_TYPES = new Set(['integer', 'positiveInt', 'unsignedInt']);
const ucum = toTypedValue(UCUM);

/**
 * True when validateResource and strictIssues would both report no error for `resource`; false when either would,
 * and also whenever the walk meets a shape it does not model (primitive extensions, a choice element given twice...),
 * so a false says "take the reporting path", never "invalid" on its own.
 */
export function isCleanResource(resource: FhirResource): boolean {
  const schema = tryGetDataType(resource.resourceType);
  if (!schema) return false;
  const root = toTypedValue(resource);
  // toTypedValue reads a top-level numeric `value` as a Quantity, and medplum would then validate the resource as one.
  if (root.type !== resource.resourceType) return false;
  const context: ResourceContext = { resource: root, root };
  try {
    return invariantsHold(layoutOf(schema).invariants, root, context) && isCleanObject(resource, layoutOf(schema), context);
  } catch {
    // A FHIRPath evaluation that throws is an issue on the reporting path too.
    return false;
  }
}

function isCleanObject(object: Record<string, unknown>, layout: TypeLayout, context: ResourceContext): boolean {
  if (layout.unsupported) return false;
  const keys = Object.keys(object);
  if (keys.length === 0) return false;
  let required = 0;
  let choices: InternalSchemaElement[] | undefined;
  for (const key of keys) {
    if (key === 'resourceType') continue;
    const slot = layout.slots.get(key);
    if (slot === undefined) return false;
    if (slot.choice) {
      if (choices?.includes(slot.element)) return false;
      (choices ??= []).push(slot.element);
    }
    if (slot.required) required += 1;
    if (!isCleanProperty(object[key], slot, context)) return false;
  }
  return required === layout.requiredCount;
}

function isCleanProperty(value: unknown, slot: PropertySlot, context: ResourceContext): boolean {
  const { element } = slot;
  if (!element.isArray) {
    return !Array.isArray(value) && element.min <= 1 && element.max >= 1 && isCleanValue(value, slot, context);
  }
  if (!Array.isArray(value) || value.length === 0 || value.length < element.min || value.length > element.max) return false;
  for (const item of value) {
    if (!isCleanValue(item, slot, context)) return false;
  }
  return true;
}

function isCleanValue(value: unknown, slot: PropertySlot, context: ResourceContext): boolean {
  if (slot.jsonType !== undefined) {
    return isCleanPrimitive(value, slot) && invariantsHold(slot.invariants, { type: slot.type, value }, context) && isStrictlyClean(value, slot);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const object = value as Record<string, unknown>;
  let type = slot.type;
  let inner = context;
  if (type === 'Resource') {
    if (typeof object.resourceType !== 'string' || !isResourceType(object.resourceType)) return false;
    type = object.resourceType;
  } else if ('resourceType' in object) {
    // medplum would treat it as a resource (its %resource changes): not modelled here.
    return false;
  }
  const schema = tryGetDataType(type);
  if (!schema) return false;
  const typed = { type, value };
  if (!invariantsHold(slot.invariants, typed, context) || !isStrictlyClean(value, slot)) return false;
  if (slot.type === 'Resource') inner = { resource: toTypedValue(object), root: context.root };
  return isCleanObject(object, layoutOf(schema), inner);
}

// medplum's validatePrimitiveType, plus the strict pass's ban on blank strings (which medplum also reports).
function isCleanPrimitive(value: unknown, slot: PropertySlot): boolean {
  if (typeof value !== slot.jsonType) return false;
  if (typeof value === 'string') {
    return value.trim() !== '' && value.length <= MAX_STRING_LENGTH && (slot.format === undefined || slot.format.exec(value) !== null);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return false;
    if (INTEGER_TYPES.has(slot.type) && !Number.isInteger(value)) return false;
    if (slot.type === 'positiveInt' && value <= 0) return false;
    if (slot.type === 'unsignedInt' && value < 0) return false;
  }
  return true;
}

function isStrictlyClean(value: unknown, slot: PropertySlot): boolean {
  return !slot.strict || strictValueIssue(slot.type, value, slot.element, '') === undefined;
}

function invariantsHold(invariants: readonly Invariant[], value: TypedValue, context: ResourceContext): boolean {
  for (const { expression } of invariants) {
    const variables = { '%context': value, '%ucum': ucum, '%resource': context.resource, '%rootResource': context.root };
    const result = evalFhirPathTyped(expression, [value], variables);
    if (result.length !== 1 || result[0].value !== true) return false;
  }
  return true;
}

// Keyed by the schema object itself, so re-indexed definitions get fresh layouts.
const layouts = new WeakMap<InternalTypeSchema, TypeLayout>();

function layoutOf(schema: InternalTypeSchema): TypeLayout {
  let layout = layouts.get(schema);
  if (layout === undefined) {
    layout = buildLayout(schema);
    layouts.set(schema, layout);
  }
  return layout;
}

function buildLayout(schema: InternalTypeSchema): TypeLayout {
  const layout: TypeLayout = { slots: new Map(), requiredCount: 0, unsupported: false, invariants: invariantsOf(schema.constraints) };
  for (const [key, element] of Object.entries(schema.elements)) {
    if (element.min > 0) layout.requiredCount += 1;
    if (element.slicing || element.fixed || element.pattern) layout.unsupported = true;
    // medplum reads an element from the JSON key its path ends with; elsewhere the two could disagree.
    const name = element.path.slice(element.path.lastIndexOf('.') + 1);
    if (name !== key) layout.unsupported = true;
    const choice = name.endsWith('[x]');
    for (const { code } of element.type ?? []) {
      const jsonKey = choice ? name.slice(0, -3) + code.charAt(0).toUpperCase() + code.slice(1) : name;
      const existing = layout.slots.get(jsonKey);
      if (existing !== undefined && existing.element !== element) layout.unsupported = true;
      if (existing === undefined) layout.slots.set(jsonKey, slotOf(element, code, choice));
    }
  }
  return layout;
}

function slotOf(element: InternalSchemaElement, code: string, choice: boolean): PropertySlot {
  // medplum resolves Element/BackboneElement to the element's first declared type.
  const type = code === 'Element' || code === 'BackboneElement' ? element.type[0].code : code;
  const primitive = isPrimitiveType(type);
  return {
    element,
    type,
    choice,
    required: element.min > 0,
    ...(primitive ? { jsonType: fhirTypeToJsType[type as keyof typeof fhirTypeToJsType], format: validationRegexes[type] } : {}),
    invariants: invariantsOf(element.constraints),
    strict: STRICTLY_CHECKED_TYPES.has(type),
  };
}

const parsedExpressions = new Map<string, FhirPathAtom>();
function invariantsOf(constraints: InternalSchemaElement['constraints']): Invariant[] {
  return (constraints ?? [])
    .filter((constraint) => constraint.severity === 'error' && !SKIPPED_INVARIANTS.has(constraint.key))
    .map((constraint) => {
      let expression = parsedExpressions.get(constraint.expression);
      if (expression === undefined) {
        expression = parseFhirPath(constraint.expression);
        parsedExpressions.set(constraint.expression, expression);
      }
      return { expression };
    });
}
