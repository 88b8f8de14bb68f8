// Plants a caller's canary string into the free-text fields of every patient record, so leak scans can find it.
import type { FhirResource } from '@medshare/fhir';
import type { PlantedCanary, Population, SyntheticPatient } from './population-model';

/** The free-text elements of the generated resources that canaries go into. */
interface PlantableRecord extends FhirResource {
  name?: { family: string; given: string[] }[];
  address?: { line: string[] }[];
  identifier?: { value: string }[];
  note?: { text: string }[];
  valueString?: string;
  conclusion?: string;
}

type Plant = (element: string) => string;
type Planter = (resource: PlantableRecord, plant: Plant) => void;

function first<T>(items: T[] | undefined, element: string): T {
  if (items === undefined || items.length === 0) {
    throw new Error(`Generated record has no ${element} to plant a canary into`);
  }
  return items[0];
}

const withNote: Planter = (resource, plant) => {
  resource.note = [...(resource.note ?? []), { text: `Synthetic note ${plant('note.text')}` }];
};

const withIdentifier: Planter = (resource, plant) => {
  const identifier = first(resource.identifier, 'identifier');
  identifier.value = `${identifier.value}-${plant('identifier.value')}`;
};

// Each generated resource type carries at least one canary; the Patient carries one in each free-text field.
const PLANTERS: Record<string, Planter> = {
  Patient: (patient, plant) => {
    const name = first(patient.name, 'name');
    name.family = `${name.family} ${plant('name.family')}`;
    name.given[0] = `${first(name.given, 'name.given')} ${plant('name.given')}`;
    const address = first(patient.address, 'address');
    address.line[0] = `${first(address.line, 'address.line')} ${plant('address.line')}`;
    withIdentifier(patient, plant);
  },
  Encounter: withIdentifier,
  Observation: (observation, plant) => {
    if (typeof observation.valueString === 'string') {
      observation.valueString = `${observation.valueString} ${plant('valueString')}`;
    }
    withNote(observation, plant);
  },
  Condition: withNote,
  ImagingStudy: withNote,
  DiagnosticReport: (report, plant) => {
    report.conclusion = `Synthetic conclusion ${plant('conclusion')}`;
  },
  ResearchSubject: withIdentifier,
};

/** A copy of the population with the canary planted in every patient record, and the list of what was planted where. */
export function withCanaries(population: Population, canary: string): Population {
  if (!/^[\x21-\x7e]+$/.test(canary)) {
    throw new RangeError('A canary must be non-empty printable ASCII without spaces');
  }
  const planted: PlantedCanary[] = [...population.canaries];
  const plantInto = (resource: FhirResource): FhirResource => {
    const copy = structuredClone(resource) as PlantableRecord;
    const planter = PLANTERS[copy.resourceType];
    if (planter === undefined) {
      throw new Error(`No canary field known for ${copy.resourceType}`);
    }
    planter(copy, (element) => {
      const value = `${canary}-${String(planted.length + 1).padStart(6, '0')}`;
      planted.push({ value, resourceType: copy.resourceType, resourceId: copy.id as string, element });
      return value;
    });
    return copy;
  };
  const patients = population.patients.map((record): SyntheticPatient => {
    const patient = plantInto(record.patient);
    const mrn = first((patient as PlantableRecord).identifier, 'identifier').value;
    return { ...record, mrn, patient, resources: record.resources.map(plantInto) };
  });
  return { ...population, patients, canaries: planted };
}
