// De-identification of a FHIR resource for research (HRESCH) answers; pure, the input is not changed.

/** Elements that identify or locate a person, removed wherever they appear (Patient, RelatedPerson, Practitioner...). */
const IDENTIFYING_ELEMENTS: ReadonlySet<string> = new Set(['name', 'identifier', 'telecom', 'address', 'photo', 'contact']);

/** Extension values of these types carry the same data as the elements above. */
const IDENTIFYING_EXTENSION_VALUES = ['valueHumanName', 'valueIdentifier', 'valueContactPoint', 'valueAddress'];
const MOTHERS_MAIDEN_NAME = 'http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName';

/**
 * Removes name, identifier, telecom, address, photo and contact at every depth (contained resources
 * included), narrative text (it repeats them in prose) and references' display (often a name).
 * References themselves stay: they are already pseudonymous.
 */
export function deIdentify<T>(resource: T): T {
  return strip(resource) as T;
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((item) => !isIdentifyingExtension(item)).map(strip);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const isReference = typeof object['reference'] === 'string';
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(object)) {
    if (IDENTIFYING_ELEMENTS.has(key)) continue;
    if (key === 'text' && isNarrative(item)) continue;
    if (key === 'display' && isReference) continue;
    out[key] = strip(item);
  }
  return out;
}

function isNarrative(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'div' in value;
}

function isIdentifyingExtension(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || !('url' in value)) return false;
  const extension = value as Record<string, unknown>;
  return extension['url'] === MOTHERS_MAIDEN_NAME || IDENTIFYING_EXTENSION_VALUES.some((key) => key in extension);
}
