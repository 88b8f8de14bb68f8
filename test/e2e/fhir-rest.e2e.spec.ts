// The FHIR base /fhir/R4 as a hospital feed uses it, on a synthetic EHR export: transactions with urn:uuid references
// in any order and conditional creates, batches answered entry by entry, updates with versions and ifMatch,
// deletions, identical re-sends, the CapabilityStatement, and what a permitted read then shows.
import { Client } from 'pg';
import { loadFhirDefinitions, validateFhirResource, type Bundle, type FhirResource } from '@medshare/fhir';
import { ehrExport, exportTransaction, type EhrExport } from '@medshare/synthetic';
import { eventually } from '../support/eventually';
import { entriesOf, startFhirPlatform, type FhirPlatform, type HttpAnswer } from '../support/fhir-platform';

type Json = Record<string, unknown>;
type EntryAnswer = { status: string; location?: string; etag?: string; outcome?: { issue: { code: string; expression?: string[] }[] } };

const answersOf = (answer: HttpAnswer) => ((answer.body['entry'] ?? []) as { response: EntryAnswer }[]).map((entry) => entry.response);
const statuses = (answer: HttpAnswer) => answersOf(answer).map((response) => response.status.split(' ')[0]);

describe('the FHIR base /fhir/R4', () => {
  let platform: FhirPlatform;
  let exported: EhrExport;

  beforeAll(async () => {
    loadFhirDefinitions();
    platform = await startFhirPlatform('rest');
    exported = ehrExport(21, { id: platform.holder, name: 'Holder hospital (synthetic)' }, 3);
  }, 120_000);

  afterAll(() => platform?.remove());

  const token = () => platform.systemToken(platform.holder);
  /** What a TREAT consent releases of a patient's record: the unlabelled resources (labelled ones need a naming provision). */
  const releasable = (index: number) =>
    [exported.patients[index].patient, ...exported.patients[index].resources].filter(
      (resource) => (resource.meta as { security?: unknown[] } | undefined)?.security === undefined,
    ).length;
  const post = (body: unknown) => platform.call(platform.ingestion, 'POST', '/fhir/R4', { token: token(), body });

  it('answers metadata with a valid CapabilityStatement naming what it supports, to registered institutions only', async () => {
    const answer = await platform.call(platform.ingestion, 'GET', '/fhir/R4/metadata', { token: token() });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('application/fhir+json');
    expect(validateFhirResource(answer.body).ok).toBe(true);
    const rest = (answer.body['rest'] as Json[])[0];
    expect((rest['interaction'] as Json[]).map((interaction) => interaction['code'])).toEqual(['batch', 'transaction']);
    expect(((rest['resource'] as Json[])[0]['interaction'] as Json[]).map((interaction) => interaction['code'])).toEqual([
      'create',
      'update',
      'delete',
      'read',
      'history-instance',
      'search-type',
    ]);
    expect((await platform.call(platform.ingestion, 'GET', '/fhir/R4/metadata')).status).toBe(401);
  });

  it.each(['shuffled', 'last', 'first'] as const)(
    'takes a transaction with the reference resources %s: urn:uuid references resolved and rewritten, conditional creates found the second time',
    async (placement) => {
      const index = { shuffled: 0, last: 1, first: 2 }[placement];
      const transaction = exportTransaction(exported, index, placement);
      const answer = await post(transaction);
      expect(answer.status).toBe(200);
      expect(answer.body['type']).toBe('transaction-response');
      const responses = answersOf(answer);
      expect(responses).toHaveLength(transaction.entry?.length ?? 0);
      const isReference = (position: number) => transaction.entry?.[position].request?.ifNoneExist !== undefined;
      responses.forEach((response, position) => {
        expect(response.location).toMatch(/^[A-Za-z]+\/[0-9a-f-]{36}\/_history\/1$/);
        expect(response.etag).toBe('W/"1"');
        // The first transaction creates the reference resources; later ones find them (ifNoneExist).
        expect(response.status).toBe(isReference(position) && placement !== 'shuffled' ? '200 OK' : '201 Created');
      });
    },
  );

  it('re-sending the same transaction creates nothing: every entry answers 200 with the same version', async () => {
    const transaction = exportTransaction(exported, 0, 'shuffled');
    const answer = await post(transaction);
    expect(statuses(answer).every((status) => status === '200')).toBe(true);
    expect(answersOf(answer).every((response) => response.etag === 'W/"1"')).toBe(true);
  });

  it('shows a permitted reader the current versions with references rewritten to platform ids, and the reference resources they name', async () => {
    const patient = exported.patients[0];
    await platform.shareForTreatment([patient.nationalId]);
    const read = await eventually(
      async () => {
        const answer = await platform.readAsReader(patient.nationalId);
        return answer.status === 200 && entriesOf(answer.body, 'match').length === releasable(0) && entriesOf(answer.body, 'include').length > 0
          ? answer
          : undefined;
      },
      { what: 'a read of the transaction' },
    );
    const matches = entriesOf(read.body, 'match');
    expect(JSON.stringify(matches)).not.toContain('urn:uuid:');
    for (const resource of matches) expect(resource['meta']).toMatchObject({ versionId: '1', lastUpdated: expect.any(String) });
    const encounter = matches.find((resource) => resource['resourceType'] === 'Encounter') as Json;
    const practitioner = ((encounter['participant'] as Json[])[0]['individual'] as Json)['reference'] as string;
    expect(practitioner).toMatch(/^Practitioner\/[0-9a-f-]{36}$/);
    expect(entriesOf(read.body, 'include').map((resource) => `Practitioner/${String(resource['id'])}`)).toContain(practitioner);
  });

  describe('updates, versions and deletions of one record', () => {
    let observation: FhirResource;
    let location: string;

    beforeAll(async () => {
      observation = standalone(exported, 0, 'Observation');
      const created = await post(transactionOf({ resource: observation, request: { method: 'PUT', url: `Observation/${String(observation.id)}` } }));
      [location] = answersOf(created).map((response) => response.location ?? '');
    });

    it('a PUT with the client id finds the resource the transaction created (200, no new version)', () => {
      expect(location).toMatch(/\/_history\/1$/);
    });

    it('a changed PUT is version 2; ifMatch on version 1 is then refused (412) and changes nothing', async () => {
      const changed = { ...observation, status: 'amended' };
      const update = await post(
        transactionOf({ resource: changed, request: { method: 'PUT', url: `Observation/${String(observation.id)}`, ifMatch: 'W/"1"' } }),
      );
      expect(answersOf(update)[0]).toMatchObject({ status: '200 OK', etag: 'W/"2"' });
      const stale = await post(
        transactionOf({
          resource: { ...changed, status: 'corrected' },
          request: { method: 'PUT', url: `Observation/${String(observation.id)}`, ifMatch: 'W/"1"' },
        }),
      );
      expect(stale.status).toBe(412);
      expect(stale.body['resourceType']).toBe('OperationOutcome');
      const same = await post(transactionOf({ resource: changed, request: { method: 'PUT', url: `Observation/${String(observation.id)}` } }));
      expect(answersOf(same)[0]).toMatchObject({ status: '200 OK', etag: 'W/"2"' });
    });

    it('a DELETE answers 204, and the record is gone from reads while its other records stay', async () => {
      const logicalId = location.split('/')[1];
      const deletion = await post(transactionOf({ request: { method: 'DELETE', url: `Observation/${String(observation.id)}` } }));
      expect(answersOf(deletion)[0].status).toBe('204 No Content');
      await eventually(
        async () => {
          const answer = await platform.readAsReader(exported.patients[0].nationalId);
          const ids = entriesOf(answer.body, 'match').map((resource) => resource['id']);
          return answer.status === 200 && ids.length === releasable(0) - 1 && !ids.includes(logicalId) ? true : undefined;
        },
        { what: 'a read without the deleted record' },
      );
      // The ledger keeps the events: the deletion is a version of its own, acknowledged like any write.
      expect(await versionsOf(platform.databaseUrls.ingestion, logicalId)).toEqual([
        [1, false],
        [2, false],
        [3, true],
      ]);
    });

    it('the same interactions on one resource: POST [type], PUT [type]/[id] with If-Match, DELETE [type]/[id]', async () => {
      const practitioner = {
        resourceType: 'Practitioner',
        identifier: [{ system: `https://${platform.holder}.medshare.example/practitioner`, value: 'P-direct' }],
        name: [{ family: 'Direct' }],
      };
      const created = await platform.call(platform.ingestion, 'POST', '/fhir/R4/Practitioner', { token: token(), body: practitioner });
      expect(created.status).toBe(201);
      const id = (created.headers.get('location') ?? '').split('/')[1];
      expect(created.headers.get('etag')).toBe('W/"1"');
      const again = await platform.call(platform.ingestion, 'POST', '/fhir/R4/Practitioner', {
        token: token(),
        body: practitioner,
        headers: { 'if-none-exist': `identifier=https://${platform.holder}.medshare.example/practitioner|P-direct` },
      });
      expect(again.status).toBe(200);
      expect(again.headers.get('location')).toBe(created.headers.get('location'));
      const updated = await platform.call(platform.ingestion, 'PUT', `/fhir/R4/Practitioner/${id}`, {
        token: token(),
        body: { ...practitioner, id, active: true },
        headers: { 'if-match': 'W/"1"' },
      });
      expect(updated.status).toBe(200);
      expect(updated.headers.get('etag')).toBe('W/"2"');
      expect((await platform.call(platform.ingestion, 'DELETE', `/fhir/R4/Practitioner/${id}`, { token: token() })).status).toBe(204);
    });
  });

  it('answers a batch entry by entry: bad entries get their own status and OperationOutcome, the others are stored', async () => {
    const [observation, encounter] = ['Observation', 'Encounter'].map((type) => standalone(exported, 1, type));
    const batch: Bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: exported.patients[1].patient, request: { method: 'PUT', url: `Patient/${String(exported.patients[1].patient.id)}` } },
        { resource: { ...observation, status: 'not-a-status' }, request: { method: 'PUT', url: `Observation/${String(observation.id)}` } },
        { request: { method: 'GET', url: `Patient/${String(exported.patients[1].patient.id)}` } },
        { resource: { ...encounter, status: 'cancelled' }, request: { method: 'PUT', url: `Encounter/${String(encounter.id)}` } },
        { request: { method: 'PATCH', url: 'Observation/x' } },
      ],
    };
    const answer = await post(batch);
    expect(answer.status).toBe(200);
    expect(answer.body['type']).toBe('batch-response');
    expect(statuses(answer)).toEqual(['200', '422', '405', '200', '405']);
    const refused = answersOf(answer)[1].outcome?.issue ?? [];
    expect(refused.every((issue) => issue.expression?.every((path) => path.startsWith('Bundle.entry[1]')))).toBe(true);
    expect(answersOf(answer)[3].etag).toBe('W/"2"');
    // No value of the client's is echoed.
    expect(JSON.stringify(answer.body)).not.toContain(String(observation.id));
  });

  it('refuses a transaction with one bad entry whole, and stores none of it', async () => {
    const encounter = standalone(exported, 2, 'Encounter');
    const answer = await post(
      transactionOf(
        { resource: { ...encounter, status: 'cancelled' }, request: { method: 'PUT', url: `Encounter/${String(encounter.id)}` } },
        { request: { method: 'PATCH', url: 'Observation/x' } },
      ),
    );
    expect(answer.status).toBe(405);
    expect(answer.body['resourceType']).toBe('OperationOutcome');
    const again = await post(transactionOf({ resource: encounter, request: { method: 'PUT', url: `Encounter/${String(encounter.id)}` } }));
    expect(answersOf(again)[0]).toMatchObject({ status: '200 OK', etag: 'W/"1"' });
  });

  it('the /v1/fhir alias refuses a DELETE entry instead of storing it as a record', async () => {
    const answer = await platform.call(platform.ingestion, 'POST', '/v1/fhir', {
      token: token(),
      body: transactionOf({ request: { method: 'DELETE', url: 'Observation/x' } }),
    });
    expect(answer.status).toBe(405);
    expect(answer.body['resourceType']).toBe('OperationOutcome');
  });

  it("keeps clients' ids only as keyed pseudonyms", async () => {
    const client = new Client({ connectionString: platform.databaseUrls.ingestion });
    await client.connect();
    try {
      const dump =
        JSON.stringify((await client.query('SELECT * FROM fhir_client_ids')).rows) +
        JSON.stringify((await client.query('SELECT * FROM fhir_identifiers')).rows);
      // (The hospital's Organization id is the platform's institution id, not a client's.)
      for (const resource of [...exported.references.slice(1), exported.patients[0].patient]) expect(dump).not.toContain(String(resource.id));
      expect(dump).not.toContain('P-direct');
    } finally {
      await client.end();
    }
  });
});

/** A patient's unlabelled record of `type` as a system sends it on its own: references by the ids sent before, not urn:uuid. */
function standalone(exported: EhrExport, patientIndex: number, type: string): FhirResource {
  const { patient, resources } = exported.patients[patientIndex];
  const byUrn = new Map([patient, ...resources].map((resource) => [`urn:uuid:${String(resource.id)}`, `${resource.resourceType}/${String(resource.id)}`]));
  const resource = resources.find((candidate) => candidate.resourceType === type && candidate.meta === undefined) as FhirResource;
  return JSON.parse(JSON.stringify(resource), (key, value: unknown) =>
    key === 'reference' && typeof value === 'string' ? (byUrn.get(value) ?? value) : value,
  ) as FhirResource;
}

function transactionOf(...entry: unknown[]): Bundle {
  return { resourceType: 'Bundle', type: 'transaction', entry } as Bundle;
}

async function versionsOf(url: string, logicalId: string): Promise<[number, boolean][]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const rows = (
      await client.query<{ version: number; deleted: boolean }>(
        'SELECT version, deleted FROM fhir_versions WHERE logical_id = $1 AND confirmed ORDER BY version',
        [logicalId],
      )
    ).rows;
    return rows.map((row) => [row.version, row.deleted]);
  } finally {
    await client.end();
  }
}
