import { loadFhirDefinitions, namesNoPatient, splitBundle, validateFhirResource, type FhirResource } from '@medshare/fhir';
import { ehrExport, exportNdjson, exportNdjsonByType, exportTransaction, referenceBatch } from './ehr-export';
import { INSTITUTIONS } from './institutions';

beforeAll(() => loadFhirDefinitions());

const exported = ehrExport(7, INSTITUTIONS[0], 3);
const invalid = (resources: readonly FhirResource[]) =>
  resources.filter((resource) => !validateFhirResource(resource).ok).map((resource) => resource.resourceType);

describe('ehrExport', () => {
  it('is deterministic', () => {
    expect(ehrExport(7, INSTITUTIONS[0], 3)).toEqual(exported);
  });

  it('has reference resources of every kind, none naming a patient, and records that name them', () => {
    expect(exported.references.map((resource) => resource.resourceType)).toEqual([
      'Organization',
      'Organization',
      'Location',
      'Practitioner',
      'Practitioner',
      'Practitioner',
      'PractitionerRole',
      'Device',
      'Medication',
    ]);
    expect(exported.references.every(namesNoPatient)).toBe(true);
    const encounter = JSON.stringify(exported.patients[0].resources.find((resource) => resource.resourceType === 'Encounter'));
    expect(encounter).toMatch(/"Practitioner\/pr-\d+"/);
    expect(encounter).toMatch(/"Location\/loc-\d+"/);
  });

  it('builds valid bundles: a batch of updates and transactions with the references first, last or shuffled', () => {
    const transactions = (['first', 'last', 'shuffled'] as const).map((placement) => exportTransaction(exported, 1, placement));
    expect(
      invalid([
        referenceBatch(exported),
        ...transactions,
        ...exported.references,
        ...exported.patients.flatMap((patient) => [patient.patient, ...patient.resources]),
      ]),
    ).toEqual([]);
    for (const transaction of transactions) {
      const split = splitBundle(transaction);
      expect(split.ok).toBe(true);
      const text = JSON.stringify(transaction);
      expect(text).not.toMatch(/"(Practitioner|Location|Organization)\/[^"]+"/);
      expect(transaction.entry?.filter((entry) => entry.request?.ifNoneExist !== undefined)).toHaveLength(exported.references.length);
    }
    expect(transactions[0].entry?.[0].resource?.resourceType).toBe('Organization');
    expect(transactions[1].entry?.[0].resource?.resourceType).toBe('Patient');
  });

  it('gives the same resources as NDJSON, one per line', () => {
    const lines = exportNdjson(exported).trimEnd().split('\n');
    expect(lines).toHaveLength(exported.references.length + exported.patients.reduce((sum, patient) => sum + 1 + patient.resources.length, 0));
    expect(invalid(lines.map((line) => JSON.parse(line) as FhirResource))).toEqual([]);
    // Each line stands alone: a patient's records name it as `Patient/<id>`, not by a Bundle's urn:uuid.
    expect(lines.join('\n')).not.toContain('urn:uuid:');
    expect(lines.join('\n')).toContain(`"reference":"Patient/${exported.patients[0].patient.id as string}"`);
  });

  it('gives the same lines as one file per type in alphabetical order, the Patient file after the records that name it', () => {
    const files = exportNdjsonByType(exported);
    const names = files.map((file) => file.file);
    expect(names).toEqual([...names].sort());
    expect(names.indexOf('Patient.ndjson')).toBeGreaterThan(names.indexOf('Condition.ndjson'));
    expect(names.indexOf('Practitioner.ndjson')).toBeGreaterThan(names.indexOf('Encounter.ndjson'));
    const lines = files.flatMap((file) => file.ndjson.trimEnd().split('\n'));
    expect(lines.sort()).toEqual(exportNdjson(exported).trimEnd().split('\n').sort());
    for (const file of files)
      expect(
        file.ndjson
          .trimEnd()
          .split('\n')
          .every((line) => file.file.startsWith(`${(JSON.parse(line) as FhirResource).resourceType}.`)),
      ).toBe(true);
  });
});
