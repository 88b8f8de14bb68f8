// Large attachments against the raw store, in one run: a 1 GiB file (BENCH_ATTACHMENT_MIB) uploaded through a real
// ingestion process in 256 MiB PATCHes, the first cut off mid-way and resumed, then read back whole through a
// permitted read at access control (checked by SHA-256); beside them raw S3 PUTs and GETs of the same bytes in the
// same 4 MiB objects on the same Ceph store. MiB/s, the ratios to raw, and the services' peak memory.
// No OSD is killed here: the Ceph the bench uses is shared (other work runs on it), so the loss of a storage node is
// tested by the e2e tier (attachments.e2e.spec.ts, a 9 MiB file read whole with one of three OSDs killed -9).
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ObjectStore, objectStoreConfigSchema } from '@medshare/service-kit';
import { ehrExport, patientBundle } from '@medshare/synthetic';
import { NATIONAL_ID, startFhirPlatform } from '../../support/fhir-platform';
import type { BenchResult } from './bench-result';

const MIB = 1024 * 1024;
const SIZE_MIB = Number(process.env.BENCH_ATTACHMENT_MIB ?? 1024);
const CHUNK = 4 * MIB;
const PART = 256 * MIB;
/** Where the first PATCH is cut off: mid-chunk, so the upload resumes at the last whole chunk. */
const CUT_AT = 100 * MIB + MIB / 2;

/** The file: 4 MiB chunks of one random block, each stamped with its index (no two chunks alike). */
const block = randomBytes(CHUNK);
function chunkOf(index: number): Buffer {
  const chunk = Buffer.from(block);
  chunk.writeUInt32BE(index, 0);
  return chunk;
}

/** Bytes [start, end) of the file as a request body, in 1 MiB pieces; it fails at `failAt` (a broken upload). */
function bodyOf(start: number, end: number, failAt = Number.POSITIVE_INFINITY): ReadableStream<Uint8Array> {
  let offset = start;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= failAt) return controller.error(new Error('connection cut by the bench'));
      if (offset >= end) return controller.close();
      const piece = Math.min(MIB - (offset % MIB), end - offset, failAt - offset);
      const within = offset % CHUNK;
      controller.enqueue(chunkOf(Math.floor(offset / CHUNK)).subarray(within, within + piece));
      offset += piece;
    },
  });
}

export async function run(): Promise<BenchResult[]> {
  const size = SIZE_MIB * MIB;
  const chunks = Math.ceil(size / CHUNK);
  const expected = createHash('sha256');
  for (let index = 0; index < chunks; index += 1) expected.update(chunkOf(index).subarray(0, Math.min(CHUNK, size - index * CHUNK)));
  const sha256 = expected.digest('hex');

  const platform = await startFhirPlatform('batt', { HTTP_REQUEST_TIMEOUT_MS: '300000' });
  try {
    const exported = ehrExport(53, { id: platform.holder, name: 'Holder hospital (synthetic)' }, 1);
    const nationalId = exported.patients[0].nationalId;
    const holder = platform.systemToken(platform.holder);
    const submitted = await platform.call(platform.ingestion, 'POST', '/v1/fhir', {
      token: holder,
      body: patientBundle(exported.patients[0], { type: 'transaction' }),
    });
    if (submitted.status !== 202) throw new Error(`patient bundle answered ${submitted.status}`);
    await platform.shareForTreatment([nationalId]);

    const uploadStarted = performance.now();
    const created = await platform.call(platform.ingestion, 'POST', '/v1/attachments', {
      token: holder,
      contentType: 'application/json',
      body: { patient: { system: NATIONAL_ID, value: nationalId }, contentType: 'application/dicom', size },
    });
    if (created.status !== 201) throw new Error(`create answered ${created.status}`);
    const path = `/v1/attachments/${String(created.body['fileId'])}`;
    const patch = (offset: number, body: ReadableStream<Uint8Array>) =>
      fetch(`${platform.ingestion.baseUrl}${path}`, {
        method: 'PATCH',
        body,
        duplex: 'half',
        headers: { authorization: `Bearer ${holder}`, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) },
      } as RequestInit);
    await patch(0, bodyOf(0, Math.min(PART, size), CUT_AT)).then(
      () => {
        throw new Error('the cut-off PATCH was answered');
      },
      () => undefined,
    );
    const where = async () => Number((await platform.call(platform.ingestion, 'GET', path, { token: holder })).body['offset']);
    let offset = await where();
    const resumedAt = offset;
    while (offset < size) {
      const answer = await patch(offset, bodyOf(offset, Math.min(offset + PART, size)));
      // 409: the cut-off request's last chunk was still being stored when the offset was asked; ask again.
      if (answer.status === 409) offset = await where();
      else if (answer.status === 200) offset = Number(((await answer.json()) as { offset: number }).offset);
      else throw new Error(`PATCH at ${offset} answered ${answer.status}`);
    }
    const uploadSeconds = (performance.now() - uploadStarted) / 1000;

    const downloadStarted = performance.now();
    const read = await fetch(
      `${platform.access.baseUrl}/v1/patients/${encodeURIComponent(`${NATIONAL_ID}|${nationalId}`)}/files/${String(created.body['fileId'])}?purpose=TREAT`,
      { headers: { authorization: `Bearer ${platform.practitionerToken(platform.reader, `dr-${platform.run}`, 'physician')}` } },
    );
    if (read.status !== 200 || read.body === null) throw new Error(`read answered ${read.status}`);
    const got = createHash('sha256');
    let received = 0;
    for await (const piece of read.body as unknown as AsyncIterable<Uint8Array>) {
      got.update(piece);
      received += piece.byteLength;
    }
    const downloadSeconds = (performance.now() - downloadStarted) / 1000;
    if (received !== size || got.digest('hex') !== sha256) throw new Error('the file read back differs from the one uploaded');
    const peaks = `peak RSS ingestion ${peakMib(platform.ingestion.process.pid)} MiB, access control ${peakMib(platform.access.process.pid)} MiB`;

    const raw = await rawStore(chunks, size);
    const upload = SIZE_MIB / uploadSeconds;
    const download = SIZE_MIB / downloadSeconds;
    return [
      {
        name: `upload ${SIZE_MIB} MiB through ingestion`,
        events: SIZE_MIB,
        eventsPerSecond: upload,
        notes: `MiB/s (events = MiB); cut at ${CUT_AT / MIB} MiB, resumed at ${resumedAt / MIB} MiB; ${ratio(upload, raw.put)} of raw PUT; ${peaks}`,
      },
      {
        name: `download ${SIZE_MIB} MiB, permitted read`,
        events: SIZE_MIB,
        eventsPerSecond: download,
        notes: `MiB/s; SHA-256 equal; ${ratio(download, raw.get)} of raw GET`,
      },
      { name: 'raw S3 PUT, 4 MiB objects', events: SIZE_MIB, eventsPerSecond: raw.put, notes: 'MiB/s, one at a time, same store' },
      { name: 'raw S3 GET, 4 MiB objects', events: SIZE_MIB, eventsPerSecond: raw.get, notes: 'MiB/s, one at a time, same store' },
    ];
  } finally {
    await platform.remove();
  }
}

/** The same bytes straight to the store and back, object by object as the upload and the read go. */
async function rawStore(chunks: number, size: number): Promise<{ put: number; get: number }> {
  const store = new ObjectStore(objectStoreConfigSchema.parse(process.env));
  const prefix = `bench/raw-${randomBytes(4).toString('hex')}`;
  try {
    let started = performance.now();
    for (let index = 0; index < chunks; index += 1) await store.put(`${prefix}/${index}`, chunkOf(index).subarray(0, Math.min(CHUNK, size - index * CHUNK)));
    const put = size / MIB / ((performance.now() - started) / 1000);
    started = performance.now();
    for (let index = 0; index < chunks; index += 1) {
      if ((await store.get(`${prefix}/${index}`)) === undefined) throw new Error(`raw object ${index} missing`);
    }
    return { put, get: size / MIB / ((performance.now() - started) / 1000) };
  } finally {
    store.destroy();
  }
}

function peakMib(pid: number | undefined): number {
  const line = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(line?.[1] ?? Number.NaN) / 1024);
}

function ratio(figure: number, raw: number): string {
  return `${figure.toFixed(1)} / ${raw.toFixed(1)} = ${(figure / raw).toFixed(2)}`;
}
