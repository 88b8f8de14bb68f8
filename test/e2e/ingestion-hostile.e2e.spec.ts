// Hostile input against ingestion: nesting bombs, a flood of wrong values, NUL bytes and invented element names get
// a small 4xx OperationOutcome of codes and schema-known paths, the event loop never stalls, and no submitted
// name or id reaches an answer, a topic, the database or the log.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { topics, type EventOf, type MedshareEvent } from '@medshare/contracts';
import { createKafka } from '@medshare/messaging';
import { generatePopulation, patientBundle } from '@medshare/synthetic';
import { testEndpoints } from '../support/endpoints';
import { postFhir, startIngestionStack, type FhirAnswer, type IngestionStack } from '../support/ingestion-stack';
import { readTopic, topicEnds, type Offsets } from '../support/topic-reader';

const run = randomBytes(4).toString('hex');
/** A marker that must not appear anywhere it is not sealed. */
const MARK = `Zq9${run}`;
const VALIDATION_TIMEOUT_MS = 2000;
const kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: `e2e-hostile-${run}` });

/** An Observation whose extension nests `depth` extensions, as JSON text (JSON.stringify itself would overflow). */
function nestedExtensionText(depth: number): string {
  const open = '{"url":"https://x.example/e","extension":['.repeat(depth);
  return `{"resourceType":"Observation","status":"final","code":{"text":"x"},"extension":[${open}{"url":"https://x.example/e","valueString":"x"}${']}'.repeat(depth)}]}`;
}

describe('ingestion under hostile input', () => {
  let stack: IngestionStack;
  let startOffsets: Map<string, Offsets>;
  const population = generatePopulation({ seed: `hostile-${run}`, patientsPerInstitution: 1, institutions: [{ id: 'hosp-a', name: 'A' }] });
  const submit = (body: unknown, idempotencyKey?: string) => postFhir(stack.ingestion.baseUrl, body, { idempotencyKey });

  /** The largest event-loop delay ingestion measured since the previous call (prom-client resets it per scrape). */
  async function eventLoopLagMaxMs(): Promise<number> {
    const metrics = await (await fetch(`${stack.ingestion.baseUrl}/metrics`)).text();
    const line = metrics.split('\n').find((text) => text.startsWith('nodejs_eventloop_lag_max_seconds '));
    return Number(line?.split(' ')[1]) * 1000;
  }

  /** What this run published on `topic` (read from the offsets before it started). */
  async function published<T extends MedshareEvent>(topic: { name: string }): Promise<T[]> {
    return (await readTopic(kafka, topic.name, { from: startOffsets.get(topic.name) })).map((message) => JSON.parse(message.value?.toString() ?? '') as T);
  }

  beforeAll(async () => {
    const watched = [topics.ingestRejected, topics.ingestSealed, topics.identity];
    startOffsets = new Map(await Promise.all(watched.map(async (topic) => [topic.name, await topicEnds(kafka, topic.name)] as const)));
    stack = await startIngestionStack(`h${run}`, testEndpoints().kafkaBrokers, { VALIDATION_TIMEOUT_MS: String(VALIDATION_TIMEOUT_MS) });
  });

  afterAll(() => stack?.remove());

  it.each<[string, () => unknown, number[]]>([
    ['JSON nested 10,000 deep in an Observation extension', () => nestedExtensionText(10_000), [400, 422]],
    ['an array nested 10,000 deep', () => `${'['.repeat(10_000)}${']'.repeat(10_000)}`, [400]],
    ['a raw NUL byte in the JSON text', () => `{"resourceType":"Patient","gender":"male"}\u0000`, [400]],
    [
      'an escaped NUL in a string (R4 strings allow no control character)',
      () => ({ resourceType: 'Patient', gender: 'male', name: [{ family: 'A\u0000B' }] }),
      [422],
    ],
  ])('refuses %s with a 4xx OperationOutcome', async (_name, body, statuses) => {
    const answer = await submit(body());
    expect(statuses).toContain(answer.status);
    expect(answer.body.resourceType).toBe('OperationOutcome');
  });

  it('answers a 2 MB Observation with 1,000,000 wrong-typed values with a bounded 422, and the event loop never stalls', async () => {
    const flood = `{"resourceType":"Observation","status":"final","code":{"coding":[${'1,'.repeat(999_999)}1]}}`;
    expect(flood.length).toBeGreaterThan(2_000_000);
    await eventLoopLagMaxMs();
    // /health/live polled all along, as a load balancer would.
    let polling = true;
    let slowestLiveMs = 0;
    const poller = (async () => {
      while (polling) {
        const started = Date.now();
        await fetch(`${stack.ingestion.baseUrl}/health/live`);
        slowestLiveMs = Math.max(slowestLiveMs, Date.now() - started);
        await new Promise((resolveSleep) => setTimeout(resolveSleep, 20));
      }
    })();
    let answer: FhirAnswer;
    try {
      answer = await submit(flood);
    } finally {
      polling = false;
      await poller;
    }
    const lagMs = await eventLoopLagMaxMs();
    process.stdout.write(
      `flood: ${answer.status} in ${answer.elapsedMs} ms, ${JSON.stringify(answer.body).length} bytes; event-loop lag max ${lagMs.toFixed(1)} ms; slowest /health/live ${slowestLiveMs} ms\n`,
    );
    expect(answer.status).toBe(422);
    expect((answer.body.issue as unknown[]).length).toBeLessThanOrEqual(101);
    expect(answer.elapsedMs).toBeLessThan(VALIDATION_TIMEOUT_MS + 3000);
    expect(lagMs).toBeLessThan(100);
    // The validation thread was replaced; the next valid submission is taken as usual.
    expect((await submit(patientBundle(population.patients[0], { type: 'transaction' }))).status).toBe(202);
  });

  it('answers, publishes and logs codes and schema-known paths only: no invented element name, id or key', async () => {
    const invented = await submit({ resourceType: 'Patient', gender: 'male', [`mrn-${MARK}`]: 'x', name: [{ family: 'A', [MARK]: 1 }] }, `key-${MARK}-1`);
    expect(invented.status).toBe(422);
    expect((invented.body.issue as { expression: string[] }[]).flatMap((issue) => issue.expression)).toEqual(
      expect.arrayContaining(['Patient.<unknown>', 'Patient.name[0].<unknown>']),
    );
    const unknownType = await submit({ resourceType: MARK, id: MARK }, `key-${MARK}-2`);
    expect(unknownType.status).toBe(422);
    // A record's own id and the request's key, on a record that is accepted.
    const bundle = patientBundle(population.patients[0], { type: 'transaction' });
    for (const entry of bundle.entry ?? []) (entry.resource as { id?: string }).id = `${MARK}-${(entry.resource as { id?: string }).id ?? ''}`.slice(0, 64);
    const accepted = await submit(bundle, `key-${MARK}-3`);
    expect(accepted.status).toBe(202);
    for (const answer of [invented, unknownType, accepted]) expect(JSON.stringify(answer.body)).not.toContain(MARK);

    const rejected = (await published<EventOf<'ingest.rejected.v1'>>(topics.ingestRejected)).filter(
      (event) => event.data.requestId === invented.headers.get('x-request-id'),
    );
    expect(rejected.flatMap((event) => event.data.reasons.flatMap((reason) => reason.expression ?? []))).toEqual(
      expect.arrayContaining(['Patient.<unknown>', 'Patient.name[0].<unknown>']),
    );
    // resourceIds (deprecated in ingest.rejected.v1) is never written: entries are named by index only.
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.filter((event) => event.data.resourceIds !== undefined)).toEqual([]);
    for (const topic of [topics.ingestRejected, topics.ingestSealed, topics.identity]) expect(JSON.stringify(await published(topic))).not.toContain(MARK);
    const dump = execFileSync('pg_dump', ['--data-only', stack.databaseUrls.ingestion], { maxBuffer: 256 * 1024 * 1024 }).toString();
    expect(dump).not.toContain(MARK);
    expect(readFileSync(stack.ingestion.logFile, 'utf8')).not.toContain(MARK);
  });
});
