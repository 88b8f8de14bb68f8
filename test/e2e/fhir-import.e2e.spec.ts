// Bulk $import end to end (encryption, ingestion and access control as processes on the real broker and
// PostgreSQL): an EHR export as NDJSON with refused lines among valid ones is spooled and imported in chunks through
// the versioned write path; the status URL gives progress and the result; each refused line gets an OperationOutcome
// with its line number and element paths but none of its values; `npx medshare import` re-imports the same file and
// writes nothing new; an import whose ingestion is killed -9 mid-way resumes after a restart and doubles nothing; a
// bulk export's per-type files (records before their Patient and the reference resources they name) are accepted in
// full in one job, its references rewritten to platform ids, even when the job is killed between its passes.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadFhirDefinitions, validateFhirResource } from '@medshare/fhir';
import { ehrExport, exportNdjson, exportNdjsonByType } from '@medshare/synthetic';
import { queryRows } from '../support/endpoints';
import { eventually } from '../support/eventually';
import { startFhirPlatform, type FhirPlatform, type HttpAnswer } from '../support/fhir-platform';

const CHUNK_LINES = 7;

describe('bulk $import of NDJSON', () => {
  let platform: FhirPlatform;
  let folder: string;
  const canary = () => `canary-import-${platform.run}`;

  beforeAll(async () => {
    // Small chunks so a file crosses many of them; a short lease so a killed instance's claims are taken over quickly.
    platform = await startFhirPlatform('imp', { IMPORT_CHUNK_LINES: String(CHUNK_LINES), IDEMPOTENCY_LEASE_MS: '2000' });
    folder = await mkdtemp(join(tmpdir(), 'medshare-import-e2e-'));
    loadFhirDefinitions();
  }, 180_000);

  afterAll(async () => {
    await platform?.remove();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const token = () => platform.systemToken(platform.holder);
  const post = (body: string) =>
    platform.call(platform.ingestion, 'POST', '/fhir/R4/$import', { token: token(), body, contentType: 'application/fhir+ndjson' });
  const status = (location: string) => platform.call(platform.ingestion, 'GET', location, { token: token() });
  const finished = (location: string) =>
    eventually(
      async () => {
        const answer = await status(location);
        return answer.status === 200 ? answer : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 250, what: 'the import done' },
    );
  const versions = async () =>
    queryRows<Record<string, unknown>>(platform.databaseUrls.ingestion, 'SELECT logical_id, version, confirmed FROM fhir_versions WHERE institution = $1', [
      platform.holder,
    ]);

  /** The holder's export with three refused lines in it, at 1-based lines 4, 9 and 12. */
  function exportWithRefusals(): { text: string; valid: number; refusedAt: number[] } {
    const lines = exportNdjson(ehrExport(41, { id: platform.holder, name: 'Holder hospital (synthetic)' }, 2))
      .trimEnd()
      .split('\n');
    const valid = lines.length;
    lines.splice(3, 0, `{"resourceType":"Observation","note":"${canary()}`);
    lines.splice(8, 0, JSON.stringify({ resourceType: 'Bundle', type: 'batch', id: canary() }));
    const subject = JSON.parse(lines[4]) as { resourceType: string; id: string };
    lines.splice(
      11,
      0,
      JSON.stringify({
        resourceType: 'Observation',
        status: 'not-a-status',
        code: { text: canary() },
        subject: { reference: `${subject.resourceType}/${subject.id}` },
        valueString: canary(),
      }),
    );
    return { text: `${lines.join('\n')}\n`, valid, refusedAt: [4, 9, 12] };
  }

  let imported: { text: string; valid: number; refusedAt: number[] };

  it('names $import in a valid CapabilityStatement', async () => {
    const answer = await platform.call(platform.ingestion, 'GET', '/fhir/R4/metadata', { token: token() });
    expect(validateFhirResource(answer.body).ok).toBe(true);
    expect((answer.body['rest'] as { operation: { name: string }[] }[])[0].operation.map((operation) => operation.name)).toEqual(['import']);
  });
  let file: string;

  it('answers 202 with a status URL, then the counts, and an OperationOutcome per refused line without its values', async () => {
    imported = exportWithRefusals();
    const started = await post(imported.text);
    expect(started.status).toBe(202);
    const location = started.headers.get('content-location') ?? '';
    expect(location).toMatch(/^\/fhir\/R4\/\$import-status\/imp-/);
    const result = await finished(location);
    const total = imported.valid + imported.refusedAt.length;
    expect(result.body).toMatchObject({ state: 'done', linesRead: total, linesAccepted: imported.valid, linesRefused: 3, bytesDone: result.body['size'] });
    const errorsUrl = (result.body['error'] as { url: string }[])[0].url;
    const errors = await platform.call(platform.ingestion, 'GET', errorsUrl, { token: token() });
    expect(errors.headers.get('content-type')).toContain('application/fhir+ndjson');
    const text = String(errors.body['text']);
    expect(text).not.toContain(canary());
    const outcomes = text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { resourceType: string; issue: { code: string; diagnostics: string; expression?: string[] }[] });
    expect(outcomes.map((outcome) => outcome.issue[0].diagnostics)).toEqual(['line 4, status 400', 'line 9, status 400', 'line 12, status 422']);
    expect(outcomes.every((outcome) => outcome.resourceType === 'OperationOutcome')).toBe(true);
    expect(outcomes[2].issue.flatMap((issue) => issue.expression ?? [])).toContain('status');
    // Every valid line is one resource at version 1, acknowledged by Kafka.
    const rows = await versions();
    expect(rows).toHaveLength(imported.valid);
    expect(rows.every((row) => row['version'] === 1 && row['confirmed'] === true)).toBe(true);
    // Another institution does not see the job.
    expect((await platform.call(platform.ingestion, 'GET', location, { token: platform.systemToken(platform.reader) })).status).toBe(404);
  }, 200_000);

  it('re-imports the same file with `npx medshare import` and writes nothing new', async () => {
    file = join(folder, 'export.ndjson');
    await writeFile(file, imported.text);
    const cli = await promisify(execFile)(
      process.execPath,
      [resolve(__dirname, '../../tools/cli/bin/medshare.js'), 'import', file, '--institution', platform.holder],
      {
        env: { ...process.env, INGESTION_URL: platform.ingestion.baseUrl, INSTITUTIONS: `${platform.holder},${platform.reader}` },
      },
    ).catch((error: { code: number; stdout: string }) => error);
    expect(cli).toMatchObject({ code: 1 });
    expect((cli as { stdout: string }).stdout).toContain(`${imported.valid} accepted, 3 refused`);
    expect((await readFile(`${file}.outcomes.ndjson`, 'utf8')).trimEnd().split('\n')).toHaveLength(3);
    const rows = await versions();
    expect(rows).toHaveLength(imported.valid);
    expect(rows.every((row) => row['version'] === 1)).toBe(true);
  }, 200_000);

  it('resumes after ingestion is killed -9 mid-import, without a duplicate', async () => {
    // The same export grown to eight patients: its reference resources and first two patients were imported above.
    const text = exportNdjson(ehrExport(41, { id: platform.holder, name: 'Holder hospital (synthetic)' }, 8));
    const lines = text.trimEnd().split('\n').length;
    const before = (await versions()).length;
    const started = await post(text);
    expect(started.status).toBe(202);
    const location = started.headers.get('content-location') ?? '';
    await eventually(async () => Number((await status(location)).body['bytesDone']) > 0 || undefined, { timeoutMs: 60_000, what: 'a first chunk done' });
    await platform.restartIngestion('SIGKILL');
    const [job] = await queryRows<Record<string, unknown>>(
      platform.databaseUrls.ingestion,
      'SELECT state, bytes_done, size FROM import_jobs WHERE job_id = $1',
      [location.split('/').pop()],
    );
    // Killed mid-way: the job was neither finished nor at its end.
    expect(job['state']).toBe('running');
    expect(Number(job['bytes_done'])).toBeLessThan(Number(job['size']));
    const result: HttpAnswer = await finished(location);
    expect(result.body).toMatchObject({ state: 'done', linesRead: lines, linesRefused: 0 });
    // Lines imported before are identical re-sends; every other resource is new and has exactly one current
    // (confirmed) version. A kill after a chunk reserved its versions but before its events were stored for the
    // retry burns those numbers (never published, never current): the retry then confirms the next one.
    const rows = await versions();
    const current = rows.filter((row) => row['confirmed'] === true);
    expect(new Set(current.map((row) => row['logical_id'])).size).toBe(current.length);
    expect(current.length).toBe(new Set([...resourceIds(imported.text), ...resourceIds(text)]).size);
    expect(current.length).toBeGreaterThan(before);
    const burnt = rows.filter((row) => row['confirmed'] !== true);
    for (const row of current.filter((version) => version['version'] !== 1)) {
      expect(burnt.filter((reserved) => reserved['logical_id'] === row['logical_id']).length).toBe(Number(row['version']) - 1);
    }
  }, 300_000);
});

describe('bulk $import of a per-type export (Patient.ndjson after the records that name it)', () => {
  let platform: FhirPlatform;
  let folder: string;
  let firstExport = '';

  beforeAll(async () => {
    platform = await startFhirPlatform('imq', { IMPORT_CHUNK_LINES: String(CHUNK_LINES), IDEMPOTENCY_LEASE_MS: '2000' });
    folder = await mkdtemp(join(tmpdir(), 'medshare-import-e2e-'));
  }, 180_000);

  afterAll(async () => {
    await platform?.remove();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const token = () => platform.systemToken(platform.holder);
  const holder = () => ({ id: platform.holder, name: 'Holder hospital (synthetic)' });
  const status = (location: string) => platform.call(platform.ingestion, 'GET', location, { token: token() });
  const currentIds = async (type: string) =>
    (
      await queryRows<{ logical_id: string }>(
        platform.databaseUrls.ingestion,
        'SELECT DISTINCT logical_id FROM fhir_versions WHERE institution = $1 AND resource_type = $2 AND confirmed',
        [platform.holder, type],
      )
    ).map((row) => row.logical_id);
  const versions = async () =>
    queryRows<Record<string, unknown>>(platform.databaseUrls.ingestion, 'SELECT logical_id, version, confirmed FROM fhir_versions WHERE institution = $1', [
      platform.holder,
    ]);

  it('accepts every file in full in one job, refuses only the record of a patient nobody sent (its line in its file), and rewrites references across files', async () => {
    const files = exportNdjsonByType(ehrExport(43, holder(), 3));
    const observations = files.find((file) => file.file === 'Observation.ndjson');
    if (observations === undefined) throw new Error('the export has no Observation file');
    const orphan = { resourceType: 'Observation', status: 'final', code: { text: 'orphan' }, subject: { reference: `Patient/nobody-${platform.run}` } };
    observations.ndjson += `${JSON.stringify(orphan)}\n`;
    const orphanLine = observations.ndjson.trimEnd().split('\n').length;
    const paths = files.map((file) => join(folder, file.file));
    for (const [index, file] of files.entries()) await writeFile(paths[index], file.ndjson);
    const lines = files.reduce((sum, file) => sum + file.ndjson.trimEnd().split('\n').length, 0);
    firstExport = files.map((file) => file.ndjson).join('');
    expect(files.map((file) => file.file).indexOf('Patient.ndjson')).toBeGreaterThan(files.map((file) => file.file).indexOf('Encounter.ndjson'));

    const cli = await promisify(execFile)(
      process.execPath,
      [resolve(__dirname, '../../tools/cli/bin/medshare.js'), 'import', ...paths, '--institution', platform.holder],
      { env: { ...process.env, INGESTION_URL: platform.ingestion.baseUrl, INSTITUTIONS: `${platform.holder},${platform.reader}` } },
    ).catch((error: { code: number; stdout: string }) => error);
    expect(cli).toMatchObject({ code: 1 });
    expect((cli as { stdout: string }).stdout).toContain(`lines ${lines}: ${lines - 1} accepted, 1 refused`);
    // The one refused line is the orphan, named by its line in its own file, refused for its unknown patient.
    const outcomes = (await readFile(`${paths[files.indexOf(observations)]}.outcomes.ndjson`, 'utf8')).trimEnd().split('\n');
    expect(outcomes).toHaveLength(1);
    expect(JSON.parse(outcomes[0])).toMatchObject({ issue: [{ code: 'not-found', diagnostics: `line ${orphanLine}, status 422` }] });
    for (const path of paths.filter((path) => path !== paths[files.indexOf(observations)])) {
      await expect(readFile(`${path}.outcomes.ndjson`)).rejects.toThrow();
    }
    // Every other line is one resource at version 1.
    const rows = await versions();
    expect(rows).toHaveLength(lines - 1);
    expect(rows.every((row) => row['version'] === 1 && row['confirmed'] === true)).toBe(true);

    // Read back: a record sent before its Patient, its Encounter and the Practitioner names them by platform id.
    const [encounterId] = await currentIds('Encounter');
    const encounter = await eventually(
      async () => {
        const answer = await platform.call(platform.access, 'GET', `/fhir/R4/Encounter/${encounterId}?purpose=HOPERAT`, { token: token() });
        return answer.status === 200 ? answer.body : undefined;
      },
      { timeoutMs: 60_000, what: 'the read-back of an Encounter' },
    );
    const referenced = (path: string) => (JSON.stringify(encounter).match(new RegExp(`"reference":"(${path}/[^"]+)"`)) ?? [])[1];
    expect((await currentIds('Patient')).map((id) => `Patient/${id}`)).toContain(referenced('Patient'));
    expect((await currentIds('Practitioner')).map((id) => `Practitioner/${id}`)).toContain(referenced('Practitioner'));
    expect((await currentIds('Location')).map((id) => `Location/${id}`)).toContain(referenced('Location'));
    expect((await currentIds('Organization')).map((id) => `Organization/${id}`)).toContain(referenced('Organization'));
  }, 300_000);

  it('resumes a job killed -9 between its passes, without a duplicate', async () => {
    const text = exportNdjsonByType(ehrExport(44, holder(), 6))
      .map((file) => file.ndjson)
      .join('');
    const lines = text.trimEnd().split('\n').length;
    const started = await platform.call(platform.ingestion, 'POST', '/fhir/R4/$import', { token: token(), body: text, contentType: 'application/fhir+ndjson' });
    expect(started.status).toBe(202);
    const location = started.headers.get('content-location') ?? '';
    await eventually(async () => Number((await status(location)).body['pass']) >= 2 || undefined, { timeoutMs: 120_000, intervalMs: 50, what: 'pass 2' });
    await platform.restartIngestion('SIGKILL');
    const [job] = await queryRows<Record<string, unknown>>(
      platform.databaseUrls.ingestion,
      'SELECT state, pass, lines_waiting, bytes_done, size FROM import_jobs WHERE job_id = $1',
      [location.split('/').pop()],
    );
    // Killed after the file was read, with lines still waiting for a later pass.
    expect(job).toMatchObject({ state: 'running' });
    expect(Number(job['bytes_done'])).toBe(Number(job['size']));
    expect(Number(job['pass'])).toBeGreaterThanOrEqual(2);
    expect(Number(job['lines_waiting'])).toBeGreaterThan(0);
    const result = await eventually(
      async () => {
        const answer = await status(location);
        return answer.status === 200 ? answer : undefined;
      },
      { timeoutMs: 200_000, intervalMs: 250, what: 'the import done' },
    );
    expect(result.body).toMatchObject({ state: 'done', linesRead: lines, linesAccepted: lines, linesRefused: 0, linesWaiting: 0 });
    // One current version per resource; a number above 1 only after a burnt reservation (see the test above).
    const rows = await versions();
    const current = rows.filter((row) => row['confirmed'] === true);
    expect(new Set(current.map((row) => row['logical_id'])).size).toBe(current.length);
    // The hospital's own Organization was in the first export too: sent again unchanged.
    expect(current.length).toBe(new Set([...resourceIds(firstExport), ...resourceIds(text)]).size);
    const burnt = rows.filter((row) => row['confirmed'] !== true);
    for (const row of current.filter((version) => version['version'] !== 1)) {
      expect(burnt.filter((reserved) => reserved['logical_id'] === row['logical_id']).length).toBe(Number(row['version']) - 1);
    }
  }, 400_000);
});

/** `Type/id` of every line that is a resource with an id (the refused lines have none, or are not JSON). */
function resourceIds(ndjson: string): string[] {
  return ndjson
    .trimEnd()
    .split('\n')
    .flatMap((line) => {
      try {
        const resource = JSON.parse(line) as { resourceType?: string; id?: string };
        return resource.resourceType !== 'Bundle' && resource.id !== undefined ? [`${resource.resourceType}/${resource.id}`] : [];
      } catch {
        return [];
      }
    });
}
