// The fast path of validation: one walk over the keys a resource has, proving that neither medplum's validator nor the
// strict pass would report an error. Anything it cannot prove sends the resource down the full, reporting path.
import {
  fhirTypeToJsType,
  isPrimitiveType,
  isResourceType,
  toTypedValue,
  tryGetDataType,
  validationRegexes,
  type InternalSchemaElement,
  type InternalTypeSchema,
  type TypedValue,
} from '@medplum/core';
import type { FhirResource } from './fhir-types';
import {
  containedIsReferenced,
  invariantHolds,
  isLocalReference,
  parsedExpression,
  resourceInvariantsOf,
  type ContainedResource,
  type FhirPathAtom,
} from './resource-invariants';
import { namesAnInvariantReads } from './invariant-reads';
import { STRICTLY_CHECKED_TYPES, strictValueIssue } from './strict-checks';

/** An error-severity constraint, parsed once. */
interface Invariant {
  expression: FhirPathAtom;
}

/**
 * A resource's own invariant; when it can only read `keysRead`, a resource with none of them gets the result of an
 * empty resource of its type without evaluating it (most dom-* and many resource invariants on most resources).
 */
interface ResourceInvariant extends Invariant {
  keysRead?: readonly string[];
  holdsWhenNoneRead?: boolean;
}

/** What the walk needs to know about one JSON key of a type: its element, the FHIR type that key carries, the rules. */
interface PropertySlot {
  element: InternalSchemaElement;
  /** The element's name in its definition (`value[x]`), as dom-3's local-reference rule reads it. */
  name: string;
  type: string;
  /** The key is one of several for a choice element (valueQuantity, valueString... for value[x]). */
  choice: boolean;
  required: boolean;
  /** For primitive types: the JSON type and the format medplum checks. */
  jsonType?: 'string' | 'number' | 'boolean';
  format?: RegExp;
  invariants: Invariant[];
  strict: boolean;
  /** Holds resources that are contained in the resource being walked (dom-3 applies). */
  contained: boolean;
}

/** The JSON keys of a type with their slots; built once per type schema. */
interface TypeLayout {
  slots: Map<string, PropertySlot>;
  requiredCount: number;
  /** A shape this walk does not model (slicing, fixed or pattern values, keys that do not follow element paths). */
  unsupported: boolean;
  /** For a resource type: its own invariants, evaluated wherever a resource of that type appears. */
  invariants: ResourceInvariant[];
}

/** The resource being walked; local references are gathered for dom-3 in it and every resource around it. */
interface ResourceContext {
  resource: TypedValue;
  /** %rootResource: the container of a contained resource, else the resource itself. */
  root: TypedValue;
  outer?: ResourceContext;
  localReferences?: string[];
  contained?: ContainedResource[];
}

// medplum's skip list for element invariants (typeschema/validation.ts): these are never evaluated on elements.
const SKIPPED_INVARIANTS = new Set(['ele-1', 'dom-3', 'org-1', 'sdf-19']);
const MAX_STRING_LENGTH = 1024 * 1024;
const INTEGER_TYPES = new Set(['integer', 'positiveInt', 'unsignedInt']);
const HASH = 0x23;

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
  try {
    return isCleanResourceObject(resource, layoutOf(schema), { resource: root, root });
  } catch {
    // A FHIRPath evaluation that throws is an issue on the reporting path too.
    return false;
  }
}

// Its own invariants, its keys, then dom-3 once every local reference inside it is known.
function isCleanResourceObject(resource: Record<string, unknown>, layout: TypeLayout, context: ResourceContext): boolean {
  if (!resourceInvariantsHold(layout.invariants, resource, context) || !isCleanObject(resource, layout, context)) return false;
  const references = context.localReferences ?? [];
  return context.contained?.every((contained) => containedIsReferenced(contained, references)) ?? true;
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
    if (!isCleanPrimitive(value, slot) || !invariantsHold(slot.invariants, { type: slot.type, value }, context) || !isStrictlyClean(value, slot)) {
      return false;
    }
    if (typeof value === 'string' && value.charCodeAt(0) === HASH && isLocalReference(slot.name, slot.type, value)) {
      for (let around: ResourceContext | undefined = context; around; around = around.outer) (around.localReferences ??= []).push(value);
    }
    return true;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const object = value as Record<string, unknown>;
  let type = slot.type;
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
  if (slot.type !== 'Resource') return isCleanObject(object, layoutOf(schema), context);
  const inner: ResourceContext = { resource: typed, root: slot.contained ? context.root : typed, outer: context };
  if (!isCleanResourceObject(object, layoutOf(schema), inner)) return false;
  if (slot.contained) (context.contained ??= []).push({ id: object.id, localReferences: inner.localReferences ?? [] });
  return true;
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

function resourceInvariantsHold(invariants: readonly ResourceInvariant[], resource: Record<string, unknown>, context: ResourceContext): boolean {
  for (const invariant of invariants) {
    const { keysRead } = invariant;
    const evaluate = keysRead === undefined || keysRead.some((key) => resource[key] !== undefined);
    if (evaluate ? !invariantHolds(invariant.expression, context.resource, context.resource, context.root) : !invariant.holdsWhenNoneRead) return false;
  }
  return true;
}

function invariantsHold(invariants: readonly Invariant[], value: TypedValue, context: ResourceContext): boolean {
  for (const { expression } of invariants) {
    if (!invariantHolds(expression, value, context.resource, context.root)) return false;
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
  const layout: TypeLayout = { slots: new Map(), requiredCount: 0, unsupported: false, invariants: [] };
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
      if (existing === undefined) layout.slots.set(jsonKey, slotOf(element, name, code, choice));
    }
  }
  if (isResourceType(schema.type)) {
    layout.invariants = resourceInvariantsOf(schema).map((constraint) => resourceInvariantOf(constraint.expression, schema.type, [...layout.slots.keys()]));
  }
  return layout;
}

function resourceInvariantOf(text: string, resourceType: string, keys: readonly string[]): ResourceInvariant {
  const expression = parsedExpression(text);
  const names = namesAnInvariantReads(text);
  if (names === undefined) return { expression };
  const empty = { type: resourceType, value: { resourceType } };
  try {
    const holdsWhenNoneRead = invariantHolds(expression, empty, empty, empty);
    return { expression, keysRead: keys.filter((key) => names.some((name) => key.startsWith(name))), holdsWhenNoneRead };
  } catch {
    return { expression };
  }
}

function slotOf(element: InternalSchemaElement, name: string, code: string, choice: boolean): PropertySlot {
  // medplum resolves Element/BackboneElement to the element's first declared type.
  const type = code === 'Element' || code === 'BackboneElement' ? element.type[0].code : code;
  const primitive = isPrimitiveType(type);
  return {
    element,
    name,
    type,
    choice,
    required: element.min > 0,
    ...(primitive ? { jsonType: fhirTypeToJsType[type as keyof typeof fhirTypeToJsType], format: validationRegexes[type] } : {}),
    invariants: invariantsOf(element.constraints),
    strict: STRICTLY_CHECKED_TYPES.has(type),
    contained: name === 'contained' && type === 'Resource',
  };
}

function invariantsOf(constraints: InternalSchemaElement['constraints']): Invariant[] {
  return (constraints ?? [])
    .filter((constraint) => constraint.severity === 'error' && !SKIPPED_INVARIANTS.has(constraint.key))
    .map((constraint) => ({ expression: parsedExpression(constraint.expression) }));
}
