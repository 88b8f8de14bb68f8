// Large attachments end to end on the real three-copy Ceph store: an upload interrupted mid-way (a broken connection,
// or ingestion killed -9 with a chunk in its hands) resumes where it stopped, nothing half-visible or doubled, the
// stored chunks are ciphertext at keyed-hash addresses, the ledger's topic gets the file's keyed hash, size and chunk
// count, a permitted read streams it back whole and by byte range, still with one OSD killed -9, a
// research read is refused, and after the patient is shredded nobody reads it again.
import { createHash, randomBytes } from 'node:crypto';
import { topics } from '@medshare/contracts';
import { pseudonymise } from '@medshare/crypto';
import { createKafka } from '@medshare/messaging';
import { ehrExport, patientBundle, type EhrExport } from '@medshare/synthetic';
import { queryRows, testEndpoints } from '../support/endpoints';
import { eventually } from '../support/eventually';
import { NATIONAL_ID, startFhirPlatform, type FhirPlatform } from '../support/fhir-platform';
import { cephCommand, objectKeys } from '../support/object-store';
import { readTopic, topicEnds, type Offsets } from '../support/topic-reader';

const MIB = 1024 * 1024;
/** Three chunks at the default 4 MiB, the last one short. */
const content = randomBytes(9 * MIB + 12_345);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('large attachments on the replicated object store', () => {
  let platform: FhirPlatform;
  let exported: EhrExport;
  let fileId: string;
  let chunkBytes: number;
  let filesFrom: Offsets;
  const kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: 'attachments-e2e' });

  beforeAll(async () => {
    platform = await startFhirPlatform('att');
    exported = ehrExport(31, { id: platform.holder, name: 'Holder hospital (synthetic)' }, 1);
    filesFrom = await topicEnds(kafka, topics.files.name);
    const submitted = await platform.call(platform.ingestion, 'POST', '/v1/fhir', {
      token: platform.systemToken(platform.holder),
      body: patientBundle(exported.patients[0], { type: 'transaction' }),
    });
    expect(submitted.status).toBe(202);
    await platform.shareForTreatment([nationalId()]);
  }, 180_000);

  afterAll(() => platform?.remove());

  const nationalId = () => exported.patients[0].nationalId;
  const uploadPath = () => `/v1/attachments/${fileId}`;
  const holderToken = () => platform.systemToken(platform.holder);
  const readFile = (range?: string, purpose = 'TREAT', file = fileId) =>
    fetch(`${platform.access.baseUrl}/v1/patients/${encodeURIComponent(`${NATIONAL_ID}|${nationalId()}`)}/files/${file}?purpose=${purpose}`, {
      headers: { authorization: `Bearer ${platform.practitionerToken(platform.reader, `dr-${platform.run}`, 'physician')}`, ...(range && { range }) },
    });

  it('creates an upload for a patient the hospital sent, and refuses one for a patient it never sent', async () => {
    const unknown = await platform.call(platform.ingestion, 'POST', '/v1/attachments', {
      token: holderToken(),
      contentType: 'application/json',
      body: { patient: { system: NATIONAL_ID, value: `never-sent-${platform.run}` }, contentType: 'application/dicom', size: 10 },
    });
    expect(unknown.status).toBe(422);
    expect(JSON.stringify(unknown.body)).not.toContain(`never-sent-${platform.run}`);
    const created = await platform.call(platform.ingestion, 'POST', '/v1/attachments', {
      token: holderToken(),
      contentType: 'application/json',
      body: { patient: { system: NATIONAL_ID, value: nationalId() }, contentType: 'application/dicom', size: content.byteLength },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ offset: 0, size: content.byteLength, stored: false });
    fileId = String(created.body['fileId']);
    chunkBytes = Number(created.body['chunkBytes']);
    expect(chunkBytes).toBe(4 * MIB);
    // Another institution cannot see or touch it.
    expect((await platform.call(platform.ingestion, 'GET', uploadPath(), { token: platform.systemToken(platform.reader) })).status).toBe(404);
  });

  const patch = (path: string, offset: number, body: Uint8Array | ReadableStream<Uint8Array>, signal?: AbortSignal) =>
    fetch(`${platform.ingestion.baseUrl}${path}`, {
      method: 'PATCH',
      body,
      duplex: 'half',
      signal,
      headers: { authorization: `Bearer ${holderToken()}`, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) },
    } as RequestInit);
  /** A PATCH from 0 whose body is the first chunk and `extra` bytes more, left open once the first chunk is stored. */
  const patchOneChunkAndHang = async (path: string, extra: number, signal?: AbortSignal): Promise<{ hanging: Promise<unknown> }> => {
    let push!: (bytes: Uint8Array) => void;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        push = (bytes) => controller.enqueue(bytes);
      },
    });
    const hanging = patch(path, 0, body, signal).catch((error: unknown) => error);
    push(content.subarray(0, chunkBytes + extra));
    await eventually(async () => (await platform.call(platform.ingestion, 'GET', path, { token: holderToken() })).body['offset'] === chunkBytes, {
      what: 'the first chunk stored',
    });
    return { hanging };
  };

  it('keeps the chunks stored before a connection broke, and resumes there', async () => {
    // Send a chunk and a bit, wait until the chunk is stored, then break the connection.
    const aborter = new AbortController();
    const { hanging: interrupted } = await patchOneChunkAndHang(uploadPath(), 1000, aborter.signal);
    aborter.abort();
    expect(await interrupted).toMatchObject({ name: 'AbortError' });
    const state = await platform.call(platform.ingestion, 'GET', uploadPath(), { token: holderToken() });
    expect(state.body).toMatchObject({ offset: chunkBytes, stored: false });

    expect((await patch(uploadPath(), 0, content.subarray(0, 10))).status).toBe(409);
    const resumed = await patch(uploadPath(), chunkBytes, content.subarray(chunkBytes));
    expect(resumed.status).toBe(200);
    expect(await resumed.json()).toMatchObject({ offset: content.byteLength, stored: true, fileHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('stores only ciphertext, and puts the keyed hash, size and chunk count on the audited topic', async () => {
    const [event] = await storedEvents(fileId);
    expect(event?.data).toEqual({
      fileId,
      patient: patientPseudonym(),
      institution: platform.holder,
      size: content.byteLength,
      chunkCount: 3,
      chunkBytes,
      fileHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const rows = await queryRows<Record<string, unknown>>(
      platform.databaseUrls.ingestion,
      'SELECT address FROM attachment_chunks WHERE file_id = $1 ORDER BY idx',
      [fileId],
    );
    expect(rows).toHaveLength(3);
    // An address is a keyed hash: not the plain SHA-256 of the chunk (which would leak equal content).
    expect(rows[0]['address']).not.toBe(sha256(content.subarray(0, chunkBytes)));
    const keys = await queryRows<Record<string, unknown>>(platform.databaseUrls.encryption, 'SELECT stored FROM file_keys WHERE file_id = $1', [fileId]);
    expect(keys).toEqual([{ stored: true }]);
  });

  it('resumes an upload whose ingestion was killed -9 mid-chunk: nothing half-visible before, nothing doubled after', async () => {
    const created = await platform.call(platform.ingestion, 'POST', '/v1/attachments', {
      token: holderToken(),
      contentType: 'application/json',
      body: { patient: { system: NATIONAL_ID, value: nationalId() }, contentType: 'application/dicom', size: content.byteLength },
    });
    const killedId = String(created.body['fileId']);
    const path = `/v1/attachments/${killedId}`;
    // One chunk and half of the next sent; once the first is stored, ingestion dies with the second in its hands.
    const { hanging: cut } = await patchOneChunkAndHang(path, chunkBytes / 2);
    await platform.restartIngestion('SIGKILL');
    expect(await cut).toMatchObject({ name: 'TypeError', message: 'fetch failed' });

    // Half-visible would be: a chunk row past the offset, a ledger event, or a readable file. None of them.
    expect((await platform.call(platform.ingestion, 'GET', path, { token: holderToken() })).body).toMatchObject({ offset: chunkBytes, stored: false });
    const rows = () =>
      queryRows<{ idx: number }>(platform.databaseUrls.ingestion, 'SELECT idx FROM attachment_chunks WHERE file_id = $1 ORDER BY idx', [killedId]);
    expect(await rows()).toEqual([{ idx: 0 }]);
    expect(await storedEvents(killedId)).toHaveLength(0);
    expect([200, 206]).not.toContain((await readFile(undefined, 'TREAT', killedId)).status);

    const resumed = await patch(path, chunkBytes, content.subarray(chunkBytes));
    expect(resumed.status).toBe(200);
    expect(await resumed.json()).toMatchObject({ offset: content.byteLength, stored: true });
    expect(await rows()).toEqual([{ idx: 0 }, { idx: 1 }, { idx: 2 }]);
    // One object per chunk and the manifest: a chunk put again after the kill landed at the same keyed address.
    expect(await objectKeys(`files/${killedId}/`)).toHaveLength(4);
    await eventually(async () => (await storedEvents(killedId)).length === 1 || undefined, { what: 'files.stored.v1 of the resumed upload' });
    const whole = await readFile(undefined, 'TREAT', killedId);
    expect(whole.status === 200 ? 200 : await whole.text()).toBe(200);
    expect(sha256(Buffer.from(await whole.arrayBuffer()))).toBe(sha256(content));
    expect(await storedEvents(killedId)).toHaveLength(1);
  }, 180_000);

  it('refuses a research read (a file cannot be de-identified)', async () => {
    const answer = await readFile(undefined, 'HRESCH');
    expect(answer.status).toBe(403);
    expect(answer.headers.get('x-medshare-decision-id')).toBeTruthy();
  });

  it('streams the whole file and a byte range across a chunk boundary to a permitted reader', async () => {
    const whole = await readFile();
    expect(whole.status === 200 ? 200 : await whole.text()).toBe(200);
    expect(whole.headers.get('content-length')).toBe(String(content.byteLength));
    expect(sha256(Buffer.from(await whole.arrayBuffer()))).toBe(sha256(content));
    const start = chunkBytes - 100;
    const partial = await readFile(`bytes=${start}-${start + 199}`);
    expect(partial.status === 206 ? 206 : await partial.text()).toBe(206);
    expect(partial.headers.get('content-range')).toBe(`bytes ${start}-${start + 199}/${content.byteLength}`);
    expect(Buffer.from(await partial.arrayBuffer())).toEqual(content.subarray(start, start + 200));
    expect((await readFile(`bytes=${content.byteLength}-`)).status).toBe(416);
  });

  it('still reads every byte with one of the three OSDs killed -9', async () => {
    await cephCommand('kill-osd', '1');
    try {
      const answer = await readFile('bytes=0-');
      expect(answer.status === 206 ? 206 : await answer.text()).toBe(206);
      expect(sha256(Buffer.from(await answer.arrayBuffer()))).toBe(sha256(content));
    } finally {
      await cephCommand('start');
    }
  }, 120_000);

  let institutionBinary: { location: string; bytes: Buffer } | undefined;

  it("stores a transaction's large inline data (DocumentReference attachment, Binary) as files, not on Kafka", async () => {
    const pdf = randomBytes(300 * 1024);
    const scan = randomBytes(200 * 1024);
    const sealedFrom = await topicEnds(kafka, topics.ingestSealed.name);
    const filesBefore = await queryRows(platform.databaseUrls.ingestion, 'SELECT file_id FROM attachments WHERE stored');
    const answer = await platform.call(platform.ingestion, 'POST', '/fhir/R4', {
      token: holderToken(),
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            request: { method: 'POST', url: 'DocumentReference' },
            resource: {
              resourceType: 'DocumentReference',
              status: 'current',
              subject: { identifier: { system: NATIONAL_ID, value: nationalId() } },
              content: [{ attachment: { contentType: 'application/pdf', data: pdf.toString('base64'), title: 'Discharge letter (synthetic)' } }],
            },
          },
          { request: { method: 'POST', url: 'Binary' }, resource: { resourceType: 'Binary', contentType: 'application/dicom', data: scan.toString('base64') } },
        ],
      },
    });
    expect(answer.status).toBe(200);
    const locations = (answer.body['entry'] as { response: { status: string; location: string } }[]).map((entry) => entry.response);
    expect(locations.map((response) => response.status)).toEqual(['201 Created', '201 Created']);
    // Two new stored files, and no sealed event carries the bytes.
    expect((await queryRows(platform.databaseUrls.ingestion, 'SELECT file_id FROM attachments WHERE stored')).length).toBe(filesBefore.length + 2);
    const sealed = await readTopic(kafka, topics.ingestSealed.name, { from: sealedFrom });
    expect(sealed.length).toBeGreaterThan(0);
    expect(Math.max(...sealed.map((message) => message.value?.byteLength ?? 0))).toBeLessThan(100 * 1024);

    // Read back, the record points to the file; the file reads back byte for byte under a permit.
    const readBack = await eventually(
      async () => {
        const own = await platform.call(platform.access, 'GET', `/fhir/R4/${locations[0].location.split('/_history')[0]}?purpose=HOPERAT`, {
          token: holderToken(),
        });
        return own.status === 200 ? own.body : undefined;
      },
      { timeoutMs: 60_000, what: 'the DocumentReference read back' },
    );
    const attachment = (readBack['content'] as { attachment: Record<string, unknown> }[])[0].attachment;
    expect(attachment).toMatchObject({ contentType: 'application/pdf', size: pdf.byteLength, url: expect.stringMatching(/^urn:medshare:file:f-/) });
    expect(attachment['data']).toBeUndefined();
    const file = await readFile(undefined, 'TREAT', String(attachment['url']).slice('urn:medshare:file:'.length));
    expect(file.status === 200 ? 200 : await file.text()).toBe(200);
    expect(Buffer.from(await file.arrayBuffer())).toEqual(pdf);
    institutionBinary = { location: locations[1].location.split('/_history')[0], bytes: scan };
  }, 120_000);

  it("gives the submitting institution a Binary about no patient (a file under the institution's key) back as bytes, whole and by range; nobody else", async () => {
    if (institutionBinary === undefined) throw new Error('the test above stores the Binary');
    const { location, bytes } = institutionBinary;
    const small = randomBytes(2048);
    const created = await platform.call(platform.ingestion, 'POST', '/fhir/R4', {
      token: holderToken(),
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { request: { method: 'POST', url: 'Binary' }, resource: { resourceType: 'Binary', contentType: 'text/plain', data: small.toString('base64') } },
        ],
      },
    });
    const smallLocation = (created.body['entry'] as { response: { location: string } }[])[0].response.location.split('/_history')[0];
    const content = (path: string, headers: Record<string, string> = {}, token = holderToken()) =>
      fetch(`${platform.access.baseUrl}/fhir/R4/${path}?purpose=HOPERAT`, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/octet-stream', ...headers },
      });
    // The stored file (200 KiB, under the institution's key owner): whole, then a range.
    const whole = await eventually(
      async () => {
        const answer = await content(location);
        return answer.status === 200 ? answer : undefined;
      },
      { timeoutMs: 60_000, what: "the Binary's bytes read back" },
    );
    expect(whole.headers.get('content-type')).toContain('application/dicom');
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(bytes);
    const range = await content(location, { range: 'bytes=1000-5999' });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe(`bytes 1000-5999/${bytes.byteLength}`);
    expect(Buffer.from(await range.arrayBuffer())).toEqual(bytes.subarray(1000, 6000));
    // Small data stayed inline in the Binary: its bytes come the same way.
    const inline = await eventually(
      async () => {
        const answer = await content(smallLocation);
        return answer.status === 200 ? answer : undefined;
      },
      { timeoutMs: 60_000, what: 'the small Binary read back' },
    );
    expect(Buffer.from(await inline.arrayBuffer())).toEqual(small);
    // Asked as FHIR, the same read gives the resource; another institution, or another purpose, gets nothing.
    const asFhir = await content(location, { accept: 'application/fhir+json' });
    expect(await asFhir.json()).toMatchObject({ resourceType: 'Binary', contentType: 'application/dicom' });
    expect((await content(location, {}, platform.systemToken(platform.reader))).status).toBe(404);
    const research = await fetch(`${platform.access.baseUrl}/fhir/R4/${location}?purpose=HRESCH`, {
      headers: { authorization: `Bearer ${holderToken()}`, accept: 'application/octet-stream' },
    });
    expect(research.status).toBe(403);
  }, 120_000);

  it('is unreadable for everyone once the patient is shredded', async () => {
    expect((await platform.shred(patientPseudonym())).status).toBe(200);
    const answer = await readFile();
    expect({ status: answer.status, body: await answer.json() }).toMatchObject({ status: 410, body: { resourceType: 'OperationOutcome' } });
  });

  /** files.stored.v1 events of this run about one file. */
  async function storedEvents(file: string): Promise<{ data: Record<string, unknown> }[]> {
    return (await readTopic(kafka, topics.files.name, { from: filesFrom }))
      .map((message) => JSON.parse(String(message.value)) as { data: Record<string, unknown> })
      .filter((message) => message.data['fileId'] === file);
  }

  function patientPseudonym(): string {
    return pseudonymise(platform.keys.pseudonymKey(), NATIONAL_ID, nationalId(), platform.holder);
  }
});
