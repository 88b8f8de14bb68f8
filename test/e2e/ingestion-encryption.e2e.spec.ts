// Ingestion and encryption as real processes against the real broker and PostgreSQL: canary records from HTTP to
// the encrypted store with no plaintext anywhere, refusals that publish nothing, key rotation, shredding, permit-gated
// decryption, dead-lettering and a replay of records.encrypted that rebuilds the store.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Kafka } from 'kafkajs';
import { Client } from 'pg';
import { allTopics, decryptReplyAad, envelope, sealedGroupAad, topics, type EventOf, type MedshareEvent } from '@medshare/contracts';
import { generateSealingKeyPair, issueInstitutionToken, openRecordGroup, openSealedBox, sealRecordGroup, signPermit } from '@medshare/crypto';
import { BatchConsumer, EventPublisher, createKafka } from '@medshare/messaging';
import { PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { generatePopulation, mrnSystem, patientBundle, type SyntheticPatient } from '@medshare/synthetic';
import { databaseUrl, dropDatabase, testEndpoints } from '../support/endpoints';
import { closableConsumer, type ClosableConsumer } from '../support/topic-reader';
import { closeAll } from '../support/cleanup';
import { eventually } from '../support/eventually';
import { startService, type RunningService } from '../support/service-processes';

const run = randomBytes(4).toString('hex');
const CANARY = `CANARY${run}ZQX`;
const SOURCE = `encryption-t${run}`;
const OPERATOR_TOKEN = `operator-token-${run}-0123456789abcdef`;
const MAX_BODY_BYTES = 1024 * 1024;
const logDir = resolve(__dirname, `../../.data/logs/e2e-ingestion-encryption-${run}`);
const { stateServer, kafkaBrokers } = testEndpoints();
const databases = { ingestion: `ingestion_t${run}`, encryption: `encryption_t${run}` };
const keys = new PlatformKeys(platformKeysSchema.parse({}));
const tokenOf = (institution: string, now = new Date()) =>
  issueInstitutionToken(keys.institutionPrivateKey(institution), { institution, ttlSeconds: 600 }, now);

interface SeenMessage {
  topic: string;
  event?: MedshareEvent;
  headers: Record<string, string>;
}

/** Every message on every medshare topic while the test runs: scanned for the canary, kept parsed for assertions. */
class TopicRecorder {
  readonly messages: SeenMessage[] = [];
  canaryHits = 0;
  scanned = 0;
  private reader?: ClosableConsumer;

  async start(kafka: Kafka): Promise<void> {
    this.reader = closableConsumer(kafka, { groupId: `e2e-recorder-${run}`, maxBytesPerPartition: 8 * 1024 * 1024 });
    const { consumer } = this.reader;
    const joined = new Promise<void>((resolveJoin) => consumer.on(consumer.events.GROUP_JOIN, () => resolveJoin()));
    await consumer.connect();
    await consumer.subscribe({ topics: allTopics.map((topic) => topic.name), fromBeginning: false });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const raw = `${message.key?.toString() ?? ''}${message.value?.toString() ?? ''}${JSON.stringify(message.headers ?? {})}`;
          this.scanned += 1;
          if (raw.includes(CANARY)) this.canaryHits += 1;
          const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]));
          let event: MedshareEvent | undefined;
          try {
            event = JSON.parse(message.value?.toString() ?? '');
          } catch {
            event = undefined;
          }
          if (batch.topic !== topics.recordsEncrypted.name || event?.source === SOURCE) this.messages.push({ topic: batch.topic, event, headers });
        }
      },
    });
    await joined;
  }

  /** Distinct events: a redelivery to this recorder (after a rebalance) is the same event id; a republish is not. */
  events<T extends MedshareEvent['type']>(type: T): EventOf<T>[] {
    const byId = new Map<string, EventOf<T>>();
    for (const message of this.messages) if (message.event?.type === type) byId.set(message.event.id, message.event as unknown as EventOf<T>);
    return [...byId.values()];
  }

  async stop(): Promise<void> {
    await this.reader?.close();
  }
}

describe('ingestion and encryption', () => {
  let kafka: Kafka;
  let publisher: EventPublisher;
  let encryption: RunningService;
  let ingestion: RunningService;
  let store: Client;
  const recorder = new TopicRecorder();
  const replies: EventOf<'encryption.decrypt-replied.v1'>[] = [];
  let replyConsumer: BatchConsumer;
  const population = generatePopulation({
    seed: `e2e-${run}`,
    patientsPerInstitution: 3,
    institutions: [
      { id: 'hosp-a', name: 'A' },
      { id: 'hosp-b', name: 'B' },
    ],
    canary: CANARY,
  });
  const hospA = population.patients.filter((patient) => patient.institutionId === 'hosp-a');
  const hospB = population.patients.filter((patient) => patient.institutionId === 'hosp-b');
  /** Record ids and pseudonym of each submitted hosp-a patient, in hospA order. */
  const submitted: { patient: string; recordIds: string[]; resourceTypes: string[] }[] = [];

  async function submit(body: string | object, options: { token?: string; contentType?: string; idempotencyKey?: string } = {}) {
    const response = await fetch(`${ingestion.baseUrl}/v1/fhir`, {
      method: 'POST',
      headers: {
        ...(options.token === '' ? {} : { authorization: `Bearer ${options.token ?? tokenOf('hosp-a')}` }),
        'content-type': options.contentType ?? 'application/fhir+json',
        ...(options.idempotencyKey === undefined ? {} : { 'idempotency-key': options.idempotencyKey }),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
  }

  async function storedRows(recordIds: readonly string[]) {
    const { rows } = await store.query('SELECT * FROM encrypted_records WHERE record_id = ANY($1::text[]) ORDER BY record_id', [recordIds]);
    return rows as Record<string, string>[];
  }

  async function decrypt(
    patient: string,
    resourceTypes: string[],
    permitOverrides: { expiresAt?: string; signer?: 'permit' | 'forged'; decisionId?: string; presentedReplyKey?: 'named' | 'another' } = {},
  ) {
    const replyPair = generateSealingKeyPair();
    // 'another': someone holding the permit presents it with a key of their own, hoping the reply is sealed to it.
    const presentedKey = permitOverrides.presentedReplyKey === 'another' ? generateSealingKeyPair().publicKeyB64 : replyPair.publicKeyB64;
    const decisionId = permitOverrides.decisionId ?? randomUUID();
    const signer = permitOverrides.signer === 'forged' ? keys.institutionPrivateKey('hosp-a') : keys.permitPrivateKey();
    const permit = signPermit(signer, {
      decisionId,
      requester: { institution: 'hosp-a', practitioner: 'dr-e2e' },
      patient,
      resourceTypes,
      purpose: 'TREAT',
      replyKeyId: replyPair.keyId,
      expiresAt: permitOverrides.expiresAt ?? new Date(Date.now() + 60_000).toISOString(),
    });
    const request = envelope('encryption.decrypt-requested.v1', 'access-control-e2e', { permit, replyKey: presentedKey }, { subject: patient });
    await publisher.publish(topics.decryptRequests, [request]);
    // Other encryption deployments may share this broker: only our deployment's reply counts.
    const reply = await eventually(() => replies.find((candidate) => candidate.causationid === request.id && candidate.source === SOURCE), {
      what: 'a decrypt reply',
    });
    const opened =
      reply.data.outcome === 'ok' ? await openRecordGroup({ [replyPair.keyId]: replyPair.privateKeyB64 }, reply.data.sealed, decryptReplyAad(request.id)) : [];
    return { request, reply: reply.data, resources: opened as Record<string, unknown>[], decisionId };
  }

  function encryptionOptions() {
    return {
      port: 4210,
      logDir,
      instance: `encryption-${run}`,
      env: {
        DATABASE_URL: databaseUrl(stateServer, databases.encryption),
        KAFKA_GROUP_ID: `encryption-t${run}`,
        SERVICE_SOURCE: SOURCE,
        SEALED_START: 'latest',
        OPERATOR_TOKEN,
      } as Record<string, string>,
    };
  }

  async function operator(path: string, body?: object) {
    const response = await fetch(`${encryption.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  beforeAll(async () => {
    kafka = createKafka({ brokers: kafkaBrokers, clientId: `e2e-ingestion-encryption-${run}` });
    publisher = new EventPublisher(kafka);
    await publisher.connect();
    await recorder.start(kafka);
    replyConsumer = new BatchConsumer(kafka, publisher, {
      groupId: `e2e-replies-${run}`,
      topics: [topics.decryptReplies],
      fromBeginning: false,
      handle: async (events) => {
        for (const { event } of events) if (event.type === 'encryption.decrypt-replied.v1') replies.push(event);
      },
    });
    await replyConsumer.start();
    encryption = await startService('encryption', encryptionOptions());
    ingestion = await startService('ingestion', {
      port: 4211,
      logDir,
      instance: `ingestion-${run}`,
      env: {
        DATABASE_URL: databaseUrl(stateServer, databases.ingestion),
        KAFKA_GROUP_ID: `ingestion-t${run}`,
        SEALING_KEY_SOURCE: SOURCE,
        MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      },
    });
    store = new Client({ connectionString: databaseUrl(stateServer, databases.encryption) });
    await store.connect();
  });

  afterAll(() =>
    closeAll([
      () => ingestion?.stop(),
      () => encryption?.stop(),
      () => replyConsumer?.stop(),
      () => recorder.stop(),
      () => publisher?.disconnect(),
      () => store?.end(),
      ...Object.values(databases).map((name) => () => dropDatabase(stateServer, name)),
    ]),
  );

  it('takes bundles with canaries from HTTP to the encrypted store, answering 202 with event ids', async () => {
    for (const record of hospA) {
      const answer = await submit(patientBundle(record, { type: 'transaction' }));
      expect(answer.status).toBe(202);
      const receipts = answer.body.records as { recordId: string; resourceType: string; eventId: string }[];
      expect(receipts).toHaveLength(1 + record.resources.length);
      expect(answer.body.events).toEqual([...new Set(receipts.map((receipt) => receipt.eventId))]);
      submitted.push({
        patient: '',
        recordIds: receipts.map((receipt) => receipt.recordId),
        resourceTypes: [...new Set(receipts.map((receipt) => receipt.resourceType))],
      });
    }
    for (const entry of submitted) {
      const rows = await eventually(
        async () => {
          const found = await storedRows(entry.recordIds);
          return found.length === entry.recordIds.length ? found : undefined;
        },
        { what: 'every record in the encrypted store', timeoutMs: 30_000 },
      );
      expect(new Set(rows.map((row) => row.patient)).size).toBe(1);
      entry.patient = rows[0].patient;
    }
    expect(new Set(submitted.map((entry) => entry.patient)).size).toBe(hospA.length);
  });

  it('decrypts for a valid permit only, sealed to the reply key, with the submitted content', async () => {
    const [first] = submitted;
    const answer = await decrypt(first.patient, first.resourceTypes);
    expect(answer.reply.outcome).toBe('ok');
    expect(answer.resources).toHaveLength(first.recordIds.length);
    expect(answer.resources).toEqual(expect.arrayContaining([hospA[0].patient]));
    expect(JSON.stringify(answer.resources)).toContain(CANARY);
  });

  it.each([
    ['a permit not signed by access control', { signer: 'forged' as const }, 'permit bad-signature'],
    ['an expired permit', { expiresAt: new Date(Date.now() - 1000).toISOString() }, 'permit expired'],
    [
      'a valid permit presented with another reply key than the one it names',
      { presentedReplyKey: 'another' as const },
      'replyKey is not the reply key the permit names',
    ],
  ])('refuses %s and raises a governance alert', async (_name, overrides, reason) => {
    const answer = await decrypt(submitted[0].patient, ['Patient'], overrides);
    expect(answer.reply).toEqual({ outcome: 'refused', reason });
    await eventually(
      () => recorder.events('governance.alert.v1').find((alert) => alert.causationid === answer.request.id && alert.data.kind === 'decrypt-refused'),
      { what: 'a decrypt-refused alert' },
    );
  });

  it('refuses a permit used a second time', async () => {
    const first = await decrypt(submitted[1].patient, ['Patient']);
    expect(first.reply.outcome).toBe('ok');
    const second = await decrypt(submitted[1].patient, ['Patient'], { decisionId: first.decisionId });
    expect(second.reply).toEqual({ outcome: 'refused', reason: 'permit already used' });
  });

  it('does not use up a permit presented with another reply key: its named key still redeems it', async () => {
    const redirected = await decrypt(submitted[1].patient, ['Patient'], { presentedReplyKey: 'another' });
    expect(redirected.reply).toEqual({ outcome: 'refused', reason: 'replyKey is not the reply key the permit names' });
    expect((await decrypt(submitted[1].patient, ['Patient'], { decisionId: redirected.decisionId })).reply.outcome).toBe('ok');
  });

  it('fails to decrypt a ciphertext moved onto another record row', async () => {
    const [target, donor] = (await storedRows(submitted[2].recordIds)).filter((row) => row.resource_type === 'Observation');
    await store.query('UPDATE encrypted_records SET iv = $2, ciphertext = $3, tag = $4 WHERE record_id = $1', [
      target.record_id,
      donor.iv,
      donor.ciphertext,
      donor.tag,
    ]);
    try {
      const answer = await decrypt(submitted[2].patient, ['Observation']);
      expect(answer.reply).toEqual({ outcome: 'refused', reason: 'a stored record failed to authenticate (record-rejected)' });
    } finally {
      await store.query('UPDATE encrypted_records SET iv = $2, ciphertext = $3, tag = $4 WHERE record_id = $1', [
        target.record_id,
        target.iv,
        target.ciphertext,
        target.tag,
      ]);
    }
    expect((await decrypt(submitted[2].patient, ['Observation'])).reply.outcome).toBe('ok');
  });

  it('rotates the KEK: every record stays readable and no DEK is wrapped by a retired KEK', async () => {
    const rotation = await operator('/v1/keys/kek/rotate');
    expect(rotation.status).toBe(200);
    expect(rotation.body).toEqual(expect.objectContaining({ kekVersion: 2, retiredVersions: [1] }));
    const { rows } = await store.query(`SELECT count(*)::int AS n FROM deks JOIN keks ON keks.version = deks.kek_version WHERE keks.status = 'retired'`);
    expect(rows[0].n).toBe(0);
    for (const entry of submitted) {
      const answer = await decrypt(entry.patient, entry.resourceTypes);
      expect(answer.resources).toHaveLength(entry.recordIds.length);
    }
    await eventually(() => recorder.events('keys.kek-rotated.v1').find((event) => event.source === SOURCE), { what: 'kek-rotated event' });
  });

  it('rotates the sealing key: ingestion seals to the new key without restart, boxes sealed to the old key still open', async () => {
    const before = recorder.events('keys.sealing-key-rotated.v1').filter((event) => event.source === SOURCE);
    const oldKey = before[before.length - 1].data;
    const rotated = await operator('/v1/keys/sealing/rotate');
    expect(rotated.status).toBe(200);
    const newKeyId = rotated.body.keyId as string;

    const late = hospA[0];
    const observation = late.resources.find((resource) => resource.resourceType === 'Observation')!;
    const single = { ...observation, id: randomUUID(), subject: { identifier: { system: mrnSystem('hosp-a'), value: late.mrn } }, encounter: undefined };
    const requestIds = await eventually(
      async () => {
        const answer = await submit(single);
        expect(answer.status).toBe(202);
        const requestId = answer.body.requestId as string;
        const sealed = await eventually(() => recorder.events('ingest.sealed.v1').find((event) => event.data.requestId === requestId), {
          what: 'the sealed event',
        });
        return sealed.data.sealed.keyId === newKeyId ? requestId : undefined;
      },
      { what: 'ingestion sealing to the new key', timeoutMs: 20_000 },
    );
    expect(requestIds).toBeDefined();

    // An in-flight box sealed to the old key before the rotation reached ingestion.
    const metadata = {
      institution: 'hosp-a',
      patient: submitted[0].patient,
      requestId: `inflight-${run}`,
      records: [{ recordId: `inflight-${run}`, resourceType: 'Observation' }],
    };
    const sealed = await sealRecordGroup(
      oldKey.publicKey,
      oldKey.keyId,
      [{ recordId: `inflight-${run}`, resourceType: 'Observation', resource: { ...observation, id: randomUUID() } }],
      sealedGroupAad(metadata),
    );
    await publisher.publish(topics.ingestSealed, [envelope('ingest.sealed.v1', 'hosp-a', { ...metadata, sealed }, { subject: metadata.patient })]);
    await eventually(async () => ((await storedRows([`inflight-${run}`])).length === 1 ? true : undefined), { what: 'the in-flight record stored' });
  });

  it('dead-letters a box that does not open, with its reason, and goes on', async () => {
    const metadata = {
      institution: 'hosp-a',
      patient: submitted[0].patient,
      requestId: `poison-${run}`,
      records: [{ recordId: `poison-${run}`, resourceType: 'Observation' }],
    };
    const garbage = {
      suite: 'X25519-HKDF-SHA256/AES-256-GCM' as const,
      keyId: 'ffffffffffffffff',
      enc: Buffer.alloc(32, 1).toString('base64'),
      ciphertext: Buffer.alloc(48, 2).toString('base64'),
    };
    const poison = envelope('ingest.sealed.v1', 'hosp-a', { ...metadata, sealed: garbage }, { subject: metadata.patient });
    await publisher.publish(topics.ingestSealed, [poison]);
    const dead = await eventually(
      () =>
        recorder.messages.find(
          (message) =>
            message.topic === 'medshare.deadletter.v1' && message.headers.ce_id === poison.id && message.headers['dlq.group'] === `encryption-t${run}-sealed`,
        ),
      { what: 'the poison message dead-lettered' },
    );
    expect(dead.headers['dlq.reason']).toBe('sealed box refused: unknown-sealing-key');
  });

  describe('bad input gets the right status, an OperationOutcome, and publishes no record', () => {
    const hospARecord = () => hospA[1];
    const invalid = () => ({ ...hospARecord().patient, gender: 'Female' });
    const oversized = () =>
      JSON.stringify({
        ...hospARecord().patient,
        text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${'x'.repeat(MAX_BODY_BYTES)}</div>` },
      });
    const forged = () => {
      const [header, payload] = tokenOf('hosp-a').split('.');
      const [, , signature] = tokenOf('hosp-b').split('.');
      return `${header}.${payload}.${signature}`;
    };
    const cases: [string, () => Promise<Awaited<ReturnType<typeof submit>>>, number, boolean][] = [
      ['invalid FHIR is 422', () => submit(invalid()), 422, true],
      ['a malformed JSON body is 400', () => submit('{"resourceType":'), 400, true],
      ['a forged token is 401', () => submit(patientBundle(hospARecord()), { token: forged() }), 401, false],
      ['an expired token is 401', () => submit(patientBundle(hospARecord()), { token: tokenOf('hosp-a', new Date(Date.now() - 3600_000)) }), 401, false],
      ['no token is 401', () => submit(patientBundle(hospARecord()), { token: '' }), 401, false],
      ["another institution's patient is 403", () => submit(patientBundle(hospB[0])), 403, true],
      ['an oversized body is 413', () => submit(oversized()), 413, true],
      ['a wrong content type is 415', () => submit(patientBundle(hospARecord()), { contentType: 'text/plain' }), 415, true],
    ];
    it.each(cases)('%s', async (_name, send, status, rejectionPublished) => {
      const answer = await send();
      expect(answer.status).toBe(status);
      expect(answer.body.resourceType).toBe('OperationOutcome');
      expect((answer.body.issue as unknown[]).length).toBeGreaterThan(0);
      const requestId = answer.headers.get('x-request-id') as string;
      if (rejectionPublished) {
        const rejection = await eventually(() => recorder.events('ingest.rejected.v1').find((event) => event.data.requestId === requestId), {
          what: 'ingest.rejected',
        });
        expect(rejection.data.status).toBe(status);
        expect(JSON.stringify(rejection)).not.toContain(CANARY);
      }
      expect(recorder.events('ingest.sealed.v1').filter((event) => event.data.requestId === requestId)).toEqual([]);
    });
  });

  it('answers a repeated Idempotency-Key with the first answer and publishes nothing again; another body is 409', async () => {
    const record: SyntheticPatient = hospA[2];
    const observation = record.resources.find((resource) => resource.resourceType === 'Observation')!;
    const body = { ...observation, id: randomUUID(), subject: { identifier: { system: mrnSystem('hosp-a'), value: record.mrn } }, encounter: undefined };
    const key = `key-${run}`;
    const first = await submit(body, { idempotencyKey: key });
    expect(first.status).toBe(202);
    const again = await submit(body, { idempotencyKey: key });
    expect(again).toEqual(expect.objectContaining({ status: 202, body: first.body }));
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await submit({ ...body, id: randomUUID() }, { idempotencyKey: key });
    expect(other.status).toBe(409);
    await eventually(() => recorder.events('ingest.sealed.v1').some((event) => event.data.requestId === first.body.requestId) || undefined, {
      what: 'the first sealed event',
    });
    expect(
      recorder
        .events('ingest.sealed.v1')
        .filter((event) => event.data.records.some((r) => (first.body.records as { recordId: string }[]).some((x) => x.recordId === r.recordId))),
    ).toHaveLength(1);
  });

  it('ingestion holds no key that opens what it published', async () => {
    const sealedEvent = recorder
      .events('ingest.sealed.v1')
      .find((event) => event.data.requestId !== undefined && event.data.institution === 'hosp-a' && event.data.patient === submitted[0].patient)!;
    const dump = execFileSync('pg_dump', ['--data-only', databaseUrl(stateServer, databases.ingestion)], { maxBuffer: 256 * 1024 * 1024 }).toString();
    const env = readFileSync(`/proc/${ingestion.process.pid}/environ`).toString();
    const candidates = new Set<string>(
      [...`${dump}\n${env}`.matchAll(/[A-Za-z0-9+/]{43}=|[0-9a-f]{64}/g)].map((match) =>
        match[0].length === 64 ? Buffer.from(match[0], 'hex').toString('base64') : match[0],
      ),
    );
    for (const key of recorder.events('keys.sealing-key-rotated.v1')) candidates.add(key.data.publicKey);
    expect(candidates.size).toBeGreaterThan(0);
    const { sealed, ...metadata } = sealedEvent.data;
    for (const candidate of candidates) {
      await expect(openSealedBox({ [sealed.keyId]: candidate }, sealed, sealedGroupAad(metadata))).rejects.toThrow();
    }
    expect(dump).not.toMatch(/sealing_keys|wrapped_private_key/);
  });

  it('shreds exactly one patient: their reads answer erased, the others stay readable', async () => {
    const [erased, ...kept] = submitted;
    const shred = await operator(`/v1/patients/${erased.patient}/shred`, { reason: `TICKET-${run}` });
    // The reason is answered as the keyed reference the keys topic carries (an operator's ticket may name a patient).
    expect(shred.body).toEqual({ patient: erased.patient, destroyedDeks: 1, reasonRef: expect.stringMatching(/^sr-[0-9a-f]{40}$/) });
    expect((await decrypt(erased.patient, erased.resourceTypes)).reply).toEqual({ outcome: 'erased', patient: erased.patient });
    for (const entry of kept) expect((await decrypt(entry.patient, entry.resourceTypes)).reply.outcome).toBe('ok');
    expect((await storedRows(erased.recordIds)).length).toBe(erased.recordIds.length);
  });

  it('rebuilds the same store by replaying records.encrypted into an emptied store', async () => {
    const ids = [...submitted.flatMap((entry) => entry.recordIds), `inflight-${run}`];
    const before = await storedRows(ids);
    expect(before).toHaveLength(ids.length);
    await encryption.stop();
    await store.query('TRUNCATE encrypted_records');
    encryption = await startService('encryption', {
      ...encryptionOptions(),
      env: { ...encryptionOptions().env, STORE_GROUP_ID: `encryption-t${run}-store-replay` },
    });
    const rebuilt = await eventually(
      async () => {
        const found = await storedRows(ids);
        return found.length === ids.length ? found : undefined;
      },
      { what: 'the replayed store', timeoutMs: 90_000 },
    );
    const withoutStoredAt = (rows: Record<string, unknown>[]) => rows.map(({ stored_at: _storedAt, ...row }) => row);
    expect(withoutStoredAt(rebuilt)).toEqual(withoutStoredAt(before));
  });

  it('leaves no canary in any topic message, any table of its databases, or any service log', async () => {
    // Positive control: the canary is in what was submitted, so a scan that finds nothing means something.
    expect(JSON.stringify(hospA.map((record) => patientBundle(record)))).toContain(CANARY);
    await eventually(() => (recorder.scanned > 0 ? true : undefined), { what: 'recorded messages' });
    expect(recorder.canaryHits).toBe(0);
    for (const database of Object.values(databases)) {
      const dump = execFileSync('pg_dump', [databaseUrl(stateServer, database)], { maxBuffer: 512 * 1024 * 1024 }).toString();
      expect(dump.length).toBeGreaterThan(0);
      expect(dump.includes(CANARY)).toBe(false);
    }
    for (const service of [ingestion, encryption]) {
      const log = readFileSync(service.logFile, 'utf8');
      expect(log.length).toBeGreaterThan(0);
      expect(log.includes(CANARY)).toBe(false);
    }
  });
});
