// Builds one institution's FHIR R4 records of a synthetic person: the Patient and groups of clinical resources per encounter.
import type { Coding, FhirResource } from '@medshare/fhir';
import { institutionSystem, mrnSystem, type Institution } from './institutions';
import type { SeededRandom } from './prng';
import {
  BLOOD_CULTURE,
  BLOOD_PRESSURE,
  CITIES,
  CONDITION_CATEGORY,
  CONDITION_CLINICAL,
  CONDITION_VERIFICATION,
  CONDITIONS,
  DIAGNOSTIC_SERVICE,
  DICOM_DCM,
  FAMILY_NAMES,
  GENETIC_VARIANTS,
  GIVEN_NAMES,
  HGNC,
  HGVS,
  ICD10,
  IDENTIFIER_TYPE,
  IMAGING_PROCEDURES,
  LAB_PANELS,
  LOINC,
  NATIONAL_ID_SYSTEM,
  OBSERVATION_CATEGORY,
  RESEARCH_STUDIES,
  SENSITIVE_TOPICS,
  SNOMED,
  STREETS,
  UCUM,
  V3_ACT_CODE,
  V3_CONFIDENTIALITY,
  VITAL_SIGNS,
  type ConditionCode,
  type Measurement,
  type SensitiveTopic,
} from './vocabulary';

const DAY_MS = 86_400_000;
// Fixed calendar window so no generated value depends on the wall clock.
const FIRST_VISIT_FROM = Date.UTC(2016, 0, 1);
const FIRST_VISIT_TO = Date.UTC(2021, 0, 1);

/** A synthetic person, the same at every institution that knows them. */
export interface Person {
  nationalId: string;
  given: string;
  family: string;
  gender: 'female' | 'male' | 'other';
  birthDate: string;
  streetLine: string;
  city: string;
  postalCode: string;
  restricted: boolean;
  sensitiveTopic?: SensitiveTopic;
}

/**
 * Person number `sequence` of a population: every tenth has HIV, PSY and SUD records in turn (sequence mod 10 = 0, 1, 2),
 * so even a small population exercises each sensitivity label.
 */
export function drawPerson(rng: SeededRandom, nationalId: string, sequence: number): Person {
  const sensitiveTopic = SENSITIVE_TOPICS[sequence % 10];
  return {
    nationalId,
    given: rng.pick(GIVEN_NAMES),
    family: rng.pick(FAMILY_NAMES),
    gender: rng.chance(0.02) ? 'other' : rng.pick(['female', 'male'] as const),
    birthDate: dateOnly(Date.UTC(rng.int(1935, 2015), rng.int(0, 11), rng.int(1, 28))),
    streetLine: `${rng.int(1, 250)} ${rng.pick(STREETS)}`,
    city: rng.pick(CITIES),
    postalCode: `ZZ${rng.digits(4)}`,
    restricted: rng.chance(0.04),
    ...(sensitiveTopic === undefined ? {} : { sensitiveTopic }),
  };
}

export function buildPatient(rng: SeededRandom, person: Person, institution: Institution, mrn: string): FhirResource {
  return {
    resourceType: 'Patient',
    id: rng.uuid(),
    ...(person.restricted ? { meta: { security: [confidentialityRestricted()] } } : {}),
    identifier: [
      {
        use: 'usual',
        type: { coding: [{ system: IDENTIFIER_TYPE, code: 'MR', display: 'Medical record number' }] },
        system: mrnSystem(institution.id),
        value: mrn,
      },
      { use: 'official', system: NATIONAL_ID_SYSTEM, value: person.nationalId },
    ],
    active: true,
    name: [{ use: 'official', family: person.family, given: [person.given] }],
    gender: person.gender,
    birthDate: person.birthDate,
    address: [{ use: 'home', line: [person.streetLine], city: person.city, postalCode: person.postalCode, country: 'ZZ' }],
    managingOrganization: { reference: `Organization/${institution.id}` },
  };
}

/** What the clinical generator remembers about one patient record between encounters. */
export interface RecordContext {
  rng: SeededRandom;
  institution: Institution;
  person: Person;
  patientUrl: string;
  clock: number;
  visits: number;
  enrolledStudies: Set<string>;
}

export function newRecordContext(rng: SeededRandom, institution: Institution, person: Person, patient: FhirResource): RecordContext {
  return {
    rng,
    institution,
    person,
    patientUrl: urnOf(patient),
    clock: rng.int(FIRST_VISIT_FROM / 60_000, FIRST_VISIT_TO / 60_000) * 60_000,
    visits: 0,
    enrolledStudies: new Set(),
  };
}

/**
 * Endless encounter groups: an Encounter, then what happened in it. Within a group, and across groups,
 * a resource only references resources before it, so any prefix of the stream is self-contained.
 */
export function* encounterGroups(context: RecordContext): Generator<FhirResource[]> {
  for (;;) {
    yield encounterGroup(context);
  }
}

function encounterGroup(context: RecordContext): FhirResource[] {
  const { rng } = context;
  context.clock += rng.int(7, 180) * DAY_MS + rng.int(0, 600) * 60_000;
  context.visits += 1;
  const encounter = buildEncounter(context);
  const group: FhirResource[] = [encounter];
  const at = context.clock + rng.int(10, 90) * 60_000;

  group.push(bloodPressure(context, encounter, at));
  for (const vital of rng.sample(VITAL_SIGNS, rng.int(1, 3))) {
    group.push(measurementObservation(context, encounter, at, vital, 'vital-signs'));
  }
  if (rng.chance(0.6)) {
    group.push(...labPanel(context, encounter, at + 45 * 60_000));
  }
  if (rng.chance(0.1)) {
    group.push(bloodCulture(context, encounter, at));
  }
  const topic = context.person.sensitiveTopic;
  if (topic !== undefined && context.visits === 1) {
    const labels = [confidentialityRestricted(), sensitivity(topic)];
    group.push(buildCondition(context, encounter, topic.condition, labels));
    group.push(measurementObservation(context, encounter, at, topic.result, 'laboratory', labels));
  }
  if (rng.chance(0.35)) {
    group.push(buildCondition(context, encounter, rng.pick(CONDITIONS), []));
  }
  if (rng.chance(0.15)) {
    group.push(buildImagingStudy(context, encounter, at));
  }
  if (rng.chance(0.08)) {
    group.push(buildGeneticVariant(context, encounter, at));
  }
  const study = RESEARCH_STUDIES.find((candidate) => !context.enrolledStudies.has(candidate.id) && rng.chance(0.06));
  if (study !== undefined) {
    context.enrolledStudies.add(study.id);
    group.push(buildResearchSubject(context, study.id));
  }
  return group;
}

function buildEncounter(context: RecordContext): FhirResource {
  const { rng, institution } = context;
  const kind = rng.pick([
    { code: 'AMB', display: 'ambulatory', minutes: [20, 90] },
    { code: 'AMB', display: 'ambulatory', minutes: [20, 90] },
    { code: 'EMER', display: 'emergency', minutes: [120, 600] },
    { code: 'IMP', display: 'inpatient encounter', minutes: [1440, 10080] },
  ] as const);
  return {
    resourceType: 'Encounter',
    id: rng.uuid(),
    identifier: [{ use: 'official', system: institutionSystem(institution.id, 'visit'), value: `V-${rng.digits(8)}` }],
    status: 'finished',
    class: { system: V3_ACT_CODE, code: kind.code, display: kind.display },
    subject: { reference: context.patientUrl },
    period: { start: dateTime(context.clock), end: dateTime(context.clock + rng.int(kind.minutes[0], kind.minutes[1]) * 60_000) },
    serviceProvider: { reference: `Organization/${institution.id}` },
  };
}

function observationBase(
  context: RecordContext,
  encounter: FhirResource,
  at: number,
  category: 'vital-signs' | 'laboratory',
  code: Coding,
  security: Coding[] = [],
): FhirResource {
  return {
    resourceType: 'Observation',
    id: context.rng.uuid(),
    ...(security.length > 0 ? { meta: { security } } : {}),
    status: 'final',
    category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: category, display: category === 'laboratory' ? 'Laboratory' : 'Vital Signs' }] }],
    code: { coding: [code] },
    subject: { reference: context.patientUrl },
    encounter: { reference: urnOf(encounter) },
    effectiveDateTime: dateTime(at),
    issued: dateTime(at + 30 * 60_000),
  };
}

function quantity(value: number, unit: string): Record<string, unknown> {
  return { value, unit, system: UCUM, code: unit };
}

function measurementObservation(
  context: RecordContext,
  encounter: FhirResource,
  at: number,
  measurement: Measurement,
  category: 'vital-signs' | 'laboratory',
  security: Coding[] = [],
): FhirResource {
  return {
    ...observationBase(context, encounter, at, category, { system: LOINC, code: measurement.code, display: measurement.display }, security),
    valueQuantity: quantity(context.rng.decimal(measurement.low, measurement.high, measurement.decimals), measurement.unit),
  };
}

function bloodPressure(context: RecordContext, encounter: FhirResource, at: number): FhirResource {
  const { panel, systolic, diastolic } = BLOOD_PRESSURE;
  return {
    ...observationBase(context, encounter, at, 'vital-signs', { system: LOINC, code: panel.code, display: panel.display }),
    component: [systolic, diastolic].map((part) => ({
      code: { coding: [{ system: LOINC, code: part.code, display: part.display }] },
      valueQuantity: quantity(context.rng.decimal(part.low, part.high, part.decimals), part.unit),
    })),
  };
}

function labPanel(context: RecordContext, encounter: FhirResource, at: number): FhirResource[] {
  const { rng } = context;
  const panel = rng.pick(LAB_PANELS);
  const results = panel.tests.map((test) => ({
    ...measurementObservation(context, encounter, at, test, 'laboratory'),
    referenceRange: [{ low: quantity(test.referenceLow, test.unit), high: quantity(test.referenceHigh, test.unit) }],
  }));
  const report: FhirResource = {
    resourceType: 'DiagnosticReport',
    id: rng.uuid(),
    status: 'final',
    category: [{ coding: [{ system: DIAGNOSTIC_SERVICE, code: 'LAB', display: 'Laboratory' }] }],
    code: { coding: [{ system: LOINC, code: panel.code, display: panel.display }] },
    subject: { reference: context.patientUrl },
    encounter: { reference: urnOf(encounter) },
    effectiveDateTime: dateTime(at),
    issued: dateTime(at + 2 * 60 * 60_000),
    result: results.map((result) => ({ reference: urnOf(result) })),
  };
  return [...results, report];
}

function bloodCulture(context: RecordContext, encounter: FhirResource, at: number): FhirResource {
  return {
    ...observationBase(context, encounter, at, 'laboratory', { system: LOINC, code: BLOOD_CULTURE.code, display: BLOOD_CULTURE.display }),
    valueString: context.rng.pick(BLOOD_CULTURE.results),
  };
}

function buildCondition(context: RecordContext, encounter: FhirResource, condition: ConditionCode, security: Coding[]): FhirResource {
  const { rng } = context;
  return {
    resourceType: 'Condition',
    id: rng.uuid(),
    ...(security.length > 0 ? { meta: { security } } : {}),
    clinicalStatus: { coding: [{ system: CONDITION_CLINICAL, code: 'active', display: 'Active' }] },
    verificationStatus: { coding: [{ system: CONDITION_VERIFICATION, code: 'confirmed', display: 'Confirmed' }] },
    category: [{ coding: [{ system: CONDITION_CATEGORY, code: 'encounter-diagnosis', display: 'Encounter Diagnosis' }] }],
    code: {
      coding: [
        { system: SNOMED, code: condition.snomed, display: condition.snomedDisplay },
        { system: ICD10, code: condition.icd10, display: condition.icd10Display },
      ],
    },
    subject: { reference: context.patientUrl },
    encounter: { reference: urnOf(encounter) },
    onsetDateTime: dateOnly(context.clock - rng.int(0, 720) * DAY_MS),
    recordedDate: dateTime(context.clock),
  };
}

function buildImagingStudy(context: RecordContext, encounter: FhirResource, at: number): FhirResource {
  const { rng } = context;
  const procedure = rng.pick(IMAGING_PROCEDURES);
  const modality = { system: DICOM_DCM, code: procedure.modality, display: procedure.modalityDisplay };
  const instances = rng.int(1, 4);
  return {
    resourceType: 'ImagingStudy',
    id: rng.uuid(),
    identifier: [{ system: 'urn:dicom:uid', value: `urn:oid:${dicomUid(rng)}` }],
    status: 'available',
    modality: [modality],
    subject: { reference: context.patientUrl },
    encounter: { reference: urnOf(encounter) },
    started: dateTime(at),
    numberOfSeries: 1,
    numberOfInstances: instances,
    description: procedure.description,
    series: [
      {
        uid: dicomUid(rng),
        number: 1,
        modality,
        numberOfInstances: instances,
        bodySite: { system: SNOMED, code: procedure.bodySite.code, display: procedure.bodySite.display },
        instance: Array.from({ length: instances }, (_, index) => ({
          uid: dicomUid(rng),
          sopClass: { system: 'urn:ietf:rfc:3986', code: `urn:oid:${procedure.sopClass}` },
          number: index + 1,
        })),
      },
    ],
  };
}

function buildGeneticVariant(context: RecordContext, encounter: FhirResource, at: number): FhirResource {
  const { rng } = context;
  const variant = rng.pick(GENETIC_VARIANTS);
  const component = (code: string, display: string, value: Coding): Record<string, unknown> => ({
    code: { coding: [{ system: LOINC, code, display }] },
    valueCodeableConcept: { coding: [value] },
  });
  return {
    ...observationBase(context, encounter, at, 'laboratory', { system: LOINC, code: '69548-6', display: 'Genetic variant assessment' }),
    valueCodeableConcept: { coding: [{ system: LOINC, code: 'LA9633-4', display: 'Present' }] },
    component: [
      component('48018-6', 'Gene studied [ID]', { system: HGNC, code: variant.hgnc, display: variant.gene }),
      component('48004-6', 'DNA change (c.HGVS)', { system: HGVS, code: variant.cHgvs }),
      component(
        '53034-5',
        'Allelic state',
        rng.chance(0.8) ? { system: LOINC, code: 'LA6706-1', display: 'Heterozygous' } : { system: LOINC, code: 'LA6705-3', display: 'Homozygous' },
      ),
      component('48002-0', 'Genomic source class [Type]', { system: LOINC, code: 'LA6683-2', display: 'Germline' }),
    ],
  };
}

function buildResearchSubject(context: RecordContext, studyId: string): FhirResource {
  const { rng, institution } = context;
  return {
    resourceType: 'ResearchSubject',
    id: rng.uuid(),
    identifier: [{ system: institutionSystem(institution.id, 'research-subject'), value: `RS-${rng.digits(6)}` }],
    status: 'on-study',
    period: { start: dateOnly(context.clock) },
    study: { reference: `ResearchStudy/${studyId}` },
    individual: { reference: context.patientUrl },
  };
}

function confidentialityRestricted(): Coding {
  return { system: V3_CONFIDENTIALITY, code: 'R', display: 'restricted' };
}

function sensitivity(topic: SensitiveTopic): Coding {
  return { system: V3_ACT_CODE, code: topic.label, display: topic.labelDisplay };
}

// 2.25 is the UUID-derived DICOM UID root; 30 digits keep every UID well under the 64 characters of a FHIR id.
function dicomUid(rng: SeededRandom): string {
  return `2.25.${rng.digits(30)}`;
}

export function urnOf(resource: FhirResource): string {
  return `urn:uuid:${resource.id as string}`;
}

function dateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function dateOnly(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
