// Reference resources (Organization, Practitioner, PractitionerRole, Location, Device, Medication) as hospitals
// export them: accepted as the institution's own records, encrypted under the institution's key, returned with a
// permitted read of the patient records that name them, and gone when that key is shredded.
import { Client } from 'pg';
import { institutionKeyOwner } from '@medshare/crypto';
import { ehrExport, patientBundle, referenceBatch, type EhrExport } from '@medshare/synthetic';
import { eventually } from '../support/eventually';
import { entriesOf, startFhirPlatform, type FhirPlatform } from '../support/fhir-platform';

describe('reference resources outside the patient compartment', () => {
  let platform: FhirPlatform;
  let exported: EhrExport;
  let owner: string;

  beforeAll(async () => {
    platform = await startFhirPlatform('ref');
    exported = ehrExport(13, { id: platform.holder, name: 'Holder hospital (synthetic)' }, 1);
    owner = institutionKeyOwner(platform.keys.pseudonymKey(), platform.holder);
  }, 120_000);

  afterAll(() => platform?.remove());

  const submit = (body: unknown) => platform.call(platform.ingestion, 'POST', '/v1/fhir', { token: platform.systemToken(platform.holder), body });

  it('accepts a batch of reference resources that name no patient, and files them under the institution key', async () => {
    const answer = await submit(referenceBatch(exported));
    expect(answer.status).toBe(202);
    expect((answer.body['records'] as unknown[]).length).toBe(exported.references.length);
    const rows = await eventually(
      async () => {
        const found = await rowsOf(platform.databaseUrls.encryption, owner);
        return found.length === exported.references.length ? found : undefined;
      },
      { what: 'the reference resources in the encrypted store' },
    );
    expect(rows.map((row) => row.resource_type).sort()).toEqual(exported.references.map((resource) => resource.resourceType).sort());
    // Encrypted: no practitioner's name in the stored rows.
    const family = (exported.references.find((resource) => resource.resourceType === 'Practitioner')?.['name'] as { family: string }[])[0].family;
    expect(JSON.stringify(rows)).not.toContain(family);
  });

  it('returns the Practitioner, Location and Organization a permitted read of the patient names, as include entries', async () => {
    const patient = exported.patients[0];
    expect((await submit(patientBundle(patient, { type: 'transaction' }))).status).toBe(202);
    await platform.shareForTreatment([patient.nationalId]);
    const read = await eventually(
      async () => {
        const answer = await platform.readAsReader(patient.nationalId);
        return answer.status === 200 && entriesOf(answer.body, 'include').length > 0 ? answer : undefined;
      },
      { what: 'a read with the referenced resources' },
    );
    const matches = entriesOf(read.body, 'match');
    expect(matches.map((resource) => resource['resourceType'])).toContain('Encounter');
    const named = new Set(
      JSON.stringify(matches)
        .match(/"(Practitioner|Location|Organization)\/[^"]+"/g)
        ?.map((text) => text.slice(1, -1)),
    );
    const included = entriesOf(read.body, 'include').map((resource) => `${String(resource['resourceType'])}/${String(resource['id'])}`);
    expect(included.sort()).toEqual(
      [...named].filter((reference) => exported.references.some((resource) => `${resource.resourceType}/${String(resource.id)}` === reference)).sort(),
    );
    expect(included.some((reference) => reference.startsWith('Practitioner/'))).toBe(true);
    expect(included.some((reference) => reference.startsWith('Location/'))).toBe(true);
    // Only what the records name: the unreferenced Device and Medication stay home.
    expect(included.some((reference) => /^(Device|Medication)\//.test(reference))).toBe(false);
  });

  it("shredding the institution key erases its reference resources; the patient's records stay readable", async () => {
    const shred = await platform.shred(owner);
    expect(shred.status).toBe(200);
    const answer = await platform.readAsReader(exported.patients[0].nationalId);
    expect(answer.status).toBe(200);
    expect(entriesOf(answer.body, 'match').length).toBeGreaterThan(0);
    expect(entriesOf(answer.body, 'include')).toEqual([]);
  });
});

async function rowsOf(url: string, keyOwner: string): Promise<Record<string, string>[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Record<string, string>>('SELECT * FROM encrypted_records WHERE patient = $1', [keyOwner])).rows;
  } finally {
    await client.end();
  }
}
