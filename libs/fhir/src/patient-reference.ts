// Finds where a resource names its patient: medshare's rule "patient reference or identifier present".
import type { FhirResource, Identifier, Reference } from './fhir-types';

export interface PatientIdentifier {
  system: string;
  value: string;
}

export interface PatientReference {
  /** Identifiers naming the patient: Patient.identifier, a logical reference's identifier or a contained Patient's. */
  identifiers: PatientIdentifier[];
  /** The literal reference as written: "Patient/1", an absolute URL, or "urn:uuid:..." resolved inside a bundle. */
  reference?: string;
  /** The patient's resource id, when a literal reference or the Patient itself gives it. */
  patientId?: string;
}

// The R4 elements that hold the record's patient; ResearchSubject calls it individual, Coverage beneficiary.
const PATIENT_ELEMENTS = ['subject', 'patient', 'beneficiary', 'individual'] as const;
const PATIENT_LITERAL = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const OTHER_TYPE_LITERAL = /(?:^|\/)[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** The patient a resource is about, or undefined when it names none (or names a Group, Device, Location...). */
export function patientReferenceOf(resource: FhirResource): PatientReference | undefined {
  if (resource.resourceType === 'Patient') {
    return nonEmpty({ identifiers: usableIdentifiers(resource.identifier), patientId: resource.id });
  }
  const element = PATIENT_ELEMENTS.find((name) => resource[name] !== undefined);
  const reference = element === undefined ? undefined : (resource[element] as Reference);
  return reference === undefined ? undefined : patientOfReference(reference, resource);
}

/**
 * A record about no patient: a reference resource (Organization, Practitioner, Location, Medication...) or a record
 * whose patient elements name another type (a Device's Location, an Observation of a Group). Such records are kept
 * as the institution's own, not filed under a patient. A patient element that names nobody usable (a display only)
 * still means "about a patient": that record is refused, not re-scoped.
 */
export function namesNoPatient(resource: FhirResource): boolean {
  if (resource.resourceType === 'Patient') return false;
  return PATIENT_ELEMENTS.every((name) => {
    const value = resource[name];
    return value === undefined || (Array.isArray(value) ? value : [value]).every((reference) => namesAnotherType(reference as Reference));
  });
}

function namesAnotherType(reference: Reference): boolean {
  if (typeof reference !== 'object' || reference === null) return false;
  if (reference.type !== undefined) return reference.type !== 'Patient';
  const literal = reference.reference;
  return typeof literal === 'string' && OTHER_TYPE_LITERAL.test(literal) && !PATIENT_LITERAL.test(literal);
}

function patientOfReference(reference: Reference, holder: FhirResource): PatientReference | undefined {
  if (reference.type !== undefined && reference.type !== 'Patient') {
    return undefined;
  }
  const identifiers = usableIdentifiers(reference.identifier === undefined ? undefined : [reference.identifier]);
  const literal = reference.reference;
  if (literal === undefined) {
    return nonEmpty({ identifiers });
  }
  if (literal.startsWith('#')) {
    const contained = containedPatient(holder, literal.slice(1));
    return contained === undefined ? undefined : nonEmpty({ identifiers: [...identifiers, ...usableIdentifiers(contained.identifier)] });
  }
  const patientId = PATIENT_LITERAL.exec(literal)?.[1];
  if (patientId !== undefined) {
    return { identifiers, reference: literal, patientId };
  }
  if (OTHER_TYPE_LITERAL.test(literal)) {
    return undefined;
  }
  // urn:uuid / urn:oid: the type is only known once the bundle resolves it.
  return { identifiers, reference: literal };
}

function containedPatient(holder: FhirResource, id: string): FhirResource | undefined {
  const contained = Array.isArray(holder.contained) ? (holder.contained as FhirResource[]) : [];
  return contained.find((resource) => resource.resourceType === 'Patient' && resource.id === id);
}

function usableIdentifiers(identifiers: unknown): PatientIdentifier[] {
  if (!Array.isArray(identifiers)) {
    return [];
  }
  return (identifiers as Identifier[])
    .filter((identifier) => typeof identifier.system === 'string' && typeof identifier.value === 'string')
    .map((identifier) => ({ system: identifier.system as string, value: identifier.value as string }));
}

function nonEmpty(found: PatientReference): PatientReference | undefined {
  const { identifiers, reference, patientId } = found;
  if (identifiers.length === 0 && reference === undefined && patientId === undefined) {
    return undefined;
  }
  return {
    identifiers,
    ...(reference === undefined ? {} : { reference }),
    ...(patientId === undefined ? {} : { patientId }),
  };
}
