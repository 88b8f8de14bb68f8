// The pure core of ingestion: validates a submission, checks it belongs to the submitting institution and says,
// per record, which pseudonyms may name its patient. No I/O: the service resolves the pseudonyms and seals.
import {
  namesNoPatient,
  patientReferenceOf,
  splitBundle,
  type FhirResource,
  type Identifier,
  type OperationOutcomeIssue,
  type PatientReference,
} from '@medshare/fhir';
import { institutionKeyOwner, pseudonymise, type PseudonymKey } from '@medshare/crypto';
import { IngestionError, IngestionErrorCode, failure, issue } from './ingestion-error';
import type { InstitutionNamespace } from './institution-namespace';

/** A bare `Patient/<id>` names a patient only inside its institution, so it pseudonymises in a local domain of its own. */
export const PATIENT_RESOURCE_ID_SYSTEM = 'urn:medshare:patient-resource-id';

export interface IntakeRules {
  institution: string;
  namespace: InstitutionNamespace;
  pseudonymKey: PseudonymKey;
}

export type CandidateKind = 'shared' | 'institution' | 'resource-id';

export interface PatientCandidate {
  pseudonym: string;
  kind: CandidateKind;
}

export interface IntakeEntry {
  /** Bundle entry index; absent for a single resource. */
  entry?: number;
  resource: FhirResource;
  /** Pseudonyms of every identifier naming the entry's patient, best first: shared ids, then local ones, then the resource id. */
  candidates: PatientCandidate[];
  /**
   * Set for a record about no patient (Organization, Practitioner, Location...): the institution's key owner
   * (libs/crypto institutionKeyOwner) it is filed and encrypted under instead of a patient.
   */
  institutionScoped?: string;
}

export interface IntakePlan {
  entries: IntakeEntry[];
}

const KIND_ORDER: Record<CandidateKind, number> = { shared: 0, institution: 1, 'resource-id': 2 };

/**
 * Throws IngestionError (403/422) or returns the entries to seal. `body` passed checkSubmission (valid FHIR, a
 * single resource or a batch/transaction Bundle within the entry limit).
 */
export function planIntake(body: unknown, rules: IntakeRules, skip: ReadonlySet<number> = new Set()): IntakePlan {
  const resource = body as FhirResource;
  // Entries refused already (a batch answers them on their own) are not planned again.
  const views = entryViews(resource, skip);
  const forbidden: OperationOutcomeIssue[] = [];
  const invalid: OperationOutcomeIssue[] = [];
  const entries: IntakeEntry[] = [];
  const pseudonymOf = pseudonymsOfRequest(rules);
  const keyOwner = () => institutionKeyOwner(rules.pseudonymKey, rules.institution);
  for (const view of views) {
    const path = view.entry === undefined ? view.resource.resourceType : `Bundle.entry[${view.entry}].resource`;
    if (view.resource.resourceType === 'Bundle') {
      invalid.push(issue('not-supported', 'A bundle entry may not be a Bundle', path));
      continue;
    }
    forbidden.push(...foreignIssues(view.resource, view.patient, path, rules));
    if (view.patient === undefined && namesNoPatient(view.resource)) {
      entries.push({ ...(view.entry === undefined ? {} : { entry: view.entry }), resource: view.resource, candidates: [], institutionScoped: keyOwner() });
      continue;
    }
    if (view.patient === undefined) {
      invalid.push(issue('required', 'The record names no patient (a subject/patient reference or a Patient identifier)', path));
      continue;
    }
    const candidates = candidatesOf(view.patient, view.resource, rules, pseudonymOf);
    if (candidates.length === 0) {
      invalid.push(issue('required', 'The patient has no identifier with a system and value, and no resource id', path));
      continue;
    }
    entries.push({ ...(view.entry === undefined ? {} : { entry: view.entry }), resource: view.resource, candidates });
  }
  if (forbidden.length > 0) throw new IngestionError(IngestionErrorCode.ForeignInstitution, forbidden);
  if (invalid.length > 0) throw new IngestionError(IngestionErrorCode.InvalidResource, invalid);
  return { entries };
}

interface EntryView {
  entry?: number;
  resource: FhirResource;
  patient?: PatientReference;
}

function entryViews(resource: FhirResource, skip: ReadonlySet<number>): EntryView[] {
  if (resource.resourceType !== 'Bundle') {
    const patient = patientReferenceOf(resource);
    return [{ resource, ...(patient === undefined ? {} : { patient }) }];
  }
  const split = splitBundle(resource, skip);
  if (!split.ok) throw new IngestionError(IngestionErrorCode.InvalidResource, split.issues);
  if ((resource.entry as unknown[] | undefined)?.length === undefined || (resource.entry as unknown[]).length === 0)
    throw failure(IngestionErrorCode.InvalidResource, 'required', 'The bundle has no entries', 'Bundle.entry');
  return split.entries.map((view) => ({ entry: view.index, resource: view.resource, ...(view.patient === undefined ? {} : { patient: view.patient }) }));
}

/** An institution submits only its own records: no identifier or managing organization of another registered institution. */
function foreignIssues(resource: FhirResource, patient: PatientReference | undefined, path: string, rules: IntakeRules): OperationOutcomeIssue[] {
  const { namespace, institution } = rules;
  const systems = [
    ...(patient?.identifiers ?? []).map((identifier) => identifier.system),
    ...identifiersOf(resource).map((identifier) => identifier.system),
  ].filter((system): system is string => typeof system === 'string');
  const owners = new Set(systems.map((system) => namespace.ownerOfSystem(system)));
  const managing = resource.resourceType === 'Patient' ? (resource.managingOrganization as { reference?: string } | undefined)?.reference : undefined;
  owners.add(namespace.ownerOfOrganization(managing));
  owners.delete(undefined);
  owners.delete(institution);
  return owners.size === 0 ? [] : [issue('forbidden', 'The record belongs to another institution (its identifiers or managing organization)', path)];
}

function identifiersOf(resource: FhirResource): Identifier[] {
  return Array.isArray(resource.identifier) ? (resource.identifier as Identifier[]) : [];
}

type PseudonymOf = (system: string, value: string) => string;

/** A bundle's entries name the same patient again and again: one HMAC per distinct identifier, not per entry. */
function pseudonymsOfRequest({ pseudonymKey, institution }: IntakeRules): PseudonymOf {
  const known = new Map<string, string>();
  return (system, value) => {
    const key = JSON.stringify([system, value]);
    let pseudonym = known.get(key);
    if (pseudonym === undefined) {
      pseudonym = pseudonymise(pseudonymKey, system, value, institution);
      known.set(key, pseudonym);
    }
    return pseudonym;
  };
}

function candidatesOf(patient: PatientReference, resource: FhirResource, rules: IntakeRules, pseudonymOf: PseudonymOf): PatientCandidate[] {
  const { pseudonymKey, institution, namespace } = rules;
  const candidates: PatientCandidate[] = patient.identifiers
    // Another institution's systems were refused already (403): what is left is shared or this institution's own.
    .filter(({ system, value }) => system.length > 0 && value.length > 0 && [undefined, institution].includes(namespace.ownerOfSystem(system)))
    .sort((a, b) => (a.system + '\0' + a.value < b.system + '\0' + b.value ? -1 : 1))
    .map(({ system, value }) => ({
      pseudonym: pseudonymOf(system, value),
      kind: pseudonymKey.sharedSystems.has(system) ? ('shared' as const) : ('institution' as const),
    }));
  const resourceId = resource.resourceType === 'Patient' ? resource.id : patient.patientId;
  if (typeof resourceId === 'string' && resourceId.length > 0) {
    candidates.push({ pseudonym: pseudonymOf(PATIENT_RESOURCE_ID_SYSTEM, resourceId), kind: 'resource-id' });
  }
  return candidates.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
}
