// An EHR export as hospitals publish one (Synthea, C-CDA conversions): the institution's reference resources
// (Organization, Practitioner, PractitionerRole, Location, Device, Medication) and patient records that name them,
// as a batch of updates, as transaction Bundles with urn:uuid references in any order and conditional creates,
// and as NDJSON lines.
import type { Bundle, BundleEntry, FhirResource } from '@medshare/fhir';
import { organizationOf, type Institution } from './institutions';
import { medicalRecordNumber, nationalId, patientRecord, seedTag } from './population';
import type { Seed, SyntheticPatient } from './population-model';
import { SeededRandom } from './prng';
import { drawPerson, urnOf } from './records';
import { FAMILY_NAMES, GIVEN_NAMES, SNOMED } from './vocabulary';

export interface EhrExport {
  institution: Institution;
  /** The institution's reference resources, each with the id the hospital's system gave it. */
  references: FhirResource[];
  /** Patient records whose Encounters name a Practitioner, a Location and the department Organization by `Type/<id>`. */
  patients: SyntheticPatient[];
}

/** Where an export transaction puts the reference resources among a patient's entries. */
export type ReferencePlacement = 'first' | 'last' | 'shuffled';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

export function ehrExport(seed: Seed, institution: Institution, patientCount: number): EhrExport {
  const rng = new SeededRandom(seed, 'ehr-export', institution.id);
  const system = (kind: string) => `https://${institution.id}.medshare.example/${kind}`;
  const hospital = organizationOf(institution);
  const department: FhirResource = {
    resourceType: 'Organization',
    id: `dept-${rng.digits(6)}`,
    identifier: [{ system: system('department'), value: `D-${rng.digits(4)}` }],
    active: true,
    name: 'Department of Internal Medicine (synthetic)',
    partOf: { reference: `Organization/${institution.id}` },
  };
  const ward: FhirResource = {
    resourceType: 'Location',
    id: `loc-${rng.digits(6)}`,
    identifier: [{ system: system('location'), value: `L-${rng.digits(4)}` }],
    status: 'active',
    name: 'Ward 3 East (synthetic)',
    managingOrganization: { reference: `Organization/${department.id as string}` },
  };
  const practitioners: FhirResource[] = Array.from({ length: 3 }, () => ({
    resourceType: 'Practitioner',
    id: `pr-${rng.digits(8)}`,
    identifier: [{ system: system('practitioner'), value: `P-${rng.digits(6)}` }],
    active: true,
    name: [{ family: rng.pick(FAMILY_NAMES), given: [rng.pick(GIVEN_NAMES)], prefix: ['Dr.'] }],
  }));
  const role: FhirResource = {
    resourceType: 'PractitionerRole',
    id: `role-${rng.digits(6)}`,
    identifier: [{ system: system('practitioner-role'), value: `R-${rng.digits(4)}` }],
    active: true,
    practitioner: { reference: `Practitioner/${practitioners[0].id as string}` },
    organization: { reference: `Organization/${department.id as string}` },
    location: [{ reference: `Location/${ward.id as string}` }],
    code: [{ coding: [{ system: SNOMED, code: '309343006', display: 'Physician' }] }],
  };
  const device: FhirResource = {
    resourceType: 'Device',
    id: `dev-${rng.digits(6)}`,
    identifier: [{ system: system('device'), value: `DV-${rng.digits(6)}` }],
    status: 'active',
    deviceName: [{ name: 'Bedside monitor (synthetic)', type: 'user-friendly-name' }],
    owner: { reference: `Organization/${institution.id}` },
  };
  const medication: FhirResource = {
    resourceType: 'Medication',
    id: `med-${rng.digits(6)}`,
    identifier: [{ system: system('formulary'), value: `F-${rng.digits(5)}` }],
    code: { coding: [{ system: RXNORM, code: '860975', display: 'metformin hydrochloride 500 MG Oral Tablet' }] },
  };
  const tag = seedTag(seed);
  const patients = Array.from({ length: patientCount }, (_, index) => {
    const personRng = new SeededRandom(seed, 'ehr-export-person', institution.id, index);
    const person = drawPerson(personRng, nationalId(tag, `X${institution.id}-${index}`), index + 3);
    const record = patientRecord(
      personRng,
      institution,
      person,
      medicalRecordNumber(institution.id, tag, `X${index}`),
      (groups) => groups.next().value as FhirResource[],
    );
    for (const resource of record.resources) {
      if (resource.resourceType !== 'Encounter') continue;
      resource['participant'] = [{ individual: { reference: `Practitioner/${personRng.pick(practitioners).id as string}` } }];
      resource['location'] = [{ location: { reference: `Location/${ward.id as string}` } }];
      resource['serviceProvider'] = { reference: `Organization/${department.id as string}` };
    }
    return record;
  });
  return { institution, references: [hospital, department, ward, ...practitioners, role, device, medication], patients };
}

/** The reference resources as a batch of updates by id (`PUT Type/<id>`), as an export's "practitioner information" file. */
export function referenceBatch(exported: EhrExport): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'batch',
    entry: exported.references.map((resource) => ({
      fullUrl: `${resource.resourceType}/${resource.id as string}`,
      resource,
      request: { method: 'PUT', url: `${resource.resourceType}/${resource.id as string}` },
    })),
  };
}

/**
 * One patient's transaction with the institution's reference resources inside it: every entry POSTed under a
 * `urn:uuid` fullUrl, every reference between entries rewritten to those urns, the reference resources created
 * conditionally (`ifNoneExist` on their identifier, so the next patient's transaction finds them), at `placement`.
 */
export function exportTransaction(exported: EhrExport, patientIndex: number, placement: ReferencePlacement): Bundle {
  const patient = exported.patients[patientIndex];
  const urns = new Map<string, string>();
  const rng = new SeededRandom('ehr-export-order', exported.institution.id, patientIndex);
  // The patient's records already name each other by urn:uuid:<id>; the reference resources get urns of their own.
  for (const resource of exported.references) urns.set(`${resource.resourceType}/${resource.id as string}`, `urn:uuid:${rng.uuid()}`);
  const entry = (resource: FhirResource, conditional: boolean): BundleEntry => {
    const identifier = (resource['identifier'] as { system: string; value: string }[] | undefined)?.[0];
    return {
      fullUrl: urns.get(`${resource.resourceType}/${resource.id as string}`) ?? urnOf(resource),
      resource: withReferences(resource, (reference) => urns.get(reference) ?? reference),
      request: {
        method: 'POST',
        url: resource.resourceType,
        ...(conditional && identifier && { ifNoneExist: `identifier=${identifier.system}|${identifier.value}` }),
      },
    };
  };
  const references = exported.references.map((resource) => entry(resource, true));
  const records = [patient.patient, ...patient.resources].map((resource) => entry(resource, false));
  const entries =
    placement === 'first' ? [...references, ...records] : placement === 'last' ? [...records, ...references] : shuffled([...references, ...records], rng);
  return { resourceType: 'Bundle', type: 'transaction', entry: entries };
}

/** The export as NDJSON (one resource per line, `application/fhir+ndjson`): reference resources, then each patient's record. */
export function exportNdjson(exported: EhrExport): string {
  const resources = [...exported.references, ...exported.patients.flatMap((patient) => [patient.patient, ...patient.resources])];
  // A line stands alone: references name `Type/<id>` as bulk exports write them, never a Bundle's urn:uuid.
  const literal = new Map(resources.map((resource) => [urnOf(resource), `${resource.resourceType}/${resource.id as string}`]));
  return resources.map((resource) => JSON.stringify(withReferences(resource, (reference) => literal.get(reference) ?? reference))).join('\n') + '\n';
}

/**
 * The export as a bulk export writes it (Synthea, FHIR Bulk Data): one NDJSON file per resource type, named
 * `<Type>.ndjson`, in alphabetical order, so records come in files before their Patient's and before the reference
 * resources they name.
 */
export function exportNdjsonByType(exported: EhrExport): { file: string; ndjson: string }[] {
  const byType = new Map<string, string[]>();
  for (const line of exportNdjson(exported).trimEnd().split('\n')) {
    const type = (JSON.parse(line) as FhirResource).resourceType;
    byType.set(type, [...(byType.get(type) ?? []), line]);
  }
  return [...byType].sort(([a], [b]) => (a < b ? -1 : 1)).map(([type, lines]) => ({ file: `${type}.ndjson`, ndjson: `${lines.join('\n')}\n` }));
}

/** A copy whose literal references go through `rename` (the urn:uuid references a patient record already has stay). */
function withReferences(resource: FhirResource, rename: (reference: string) => string): FhirResource {
  return JSON.parse(JSON.stringify(resource), (key, value: unknown) =>
    key === 'reference' && typeof value === 'string' ? rename(value) : value,
  ) as FhirResource;
}

function shuffled<T>(items: T[], rng: SeededRandom): T[] {
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = rng.int(0, index);
    [items[index], items[other]] = [items[other], items[index]];
  }
  return items;
}
