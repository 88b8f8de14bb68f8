// One trace from a FHIR submission to the ledger block that holds it, and one from a later read through its decision
// and decrypt: the five services as processes export their spans over OTLP/HTTP (JSON) to a receiver in this test,
// which checks one trace id across services and every parent/child link along the way, not only that spans exist.
import { randomBytes } from 'node:crypto';
import { topics } from '@medshare/contracts';
import { issueInstitutionToken } from '@medshare/crypto';
import { PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { ehrExport, exportTransaction, type EhrExport } from '@medshare/synthetic';
import { eventually } from '../support/eventually';
import { SpanKinds, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { startPrivatePlatform, type PrivatePlatform } from '../support/private-platform';

const BLOCK_HEIGHT = 'medshare.ledger.block.height';
const run = randomBytes(4).toString('hex');
const holder = `a${run}`;
const keys = new PlatformKeys(platformKeysSchema.parse({ INSTITUTIONS: holder }));

describe('an end-to-end trace across the five services', () => {
  let receiver: OtlpReceiver;
  // A broker of its own: the services read no other run's history (every message of which would be a span here).
  let platform: PrivatePlatform;
  let exported: EhrExport;
  // What a hospital's client would send: a trace id of its own choosing must never become ours.
  const clientTraceId = 'c11e47c11e47c11e47c11e47c11e47c1';

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    platform = await startPrivatePlatform(`tr${run}`, { INSTITUTIONS: holder, LOG_LEVEL: 'warn', ...receiver.env });
    exported = ehrExport(41, { id: holder, name: 'Holder hospital (synthetic)' }, 1);
  }, 480_000);

  afterAll(async () => {
    await platform?.remove();
    await receiver?.close();
  });

  /** The holder's integration system (system token) calls `service`; reads of its own submissions need no consent (HOPERAT). */
  async function call(service: 'ingestion' | 'access-control', method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const token = issueInstitutionToken(keys.institutionPrivateKey(holder), { institution: holder, ttlSeconds: 600 });
    const response = await fetch(`${platform.service(service).baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/fhir+json' }), ...headers },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const span = (what: string, match: (candidate: ReceivedSpan) => boolean) => eventually(() => receiver.spans.find(match), { timeoutMs: 60_000, what });
  const childOf = (parent: ReceivedSpan) => (candidate: ReceivedSpan) => candidate.traceId === parent.traceId && candidate.parentSpanId === parent.spanId;
  /** `descendant` hangs below `ancestor` through spans of this run (a pg span or two may sit between). */
  const isBelow = (descendant: ReceivedSpan, ancestor: ReceivedSpan) => {
    for (let current: ReceivedSpan | undefined = descendant; current;) {
      if (current.parentSpanId === ancestor.spanId) return true;
      const parentId: string = current.parentSpanId;
      current = parentId === '' ? undefined : receiver.spans.find((candidate) => candidate.spanId === parentId);
    }
    return false;
  };
  const sends = (service: string, topic: string) => (candidate: ReceivedSpan) =>
    candidate.service === service && candidate.kind === SpanKinds.producer && candidate.attributes['messaging.destination.name'] === topic;
  const processes = (service: string, topic: string) => (candidate: ReceivedSpan) =>
    candidate.service === service && candidate.kind === SpanKinds.consumer && candidate.attributes['messaging.destination.name'] === topic;

  /** The ledger's span of `producer`'s event: a child of it, with the height of the block that holds the event. */
  async function ledgerBlockOf(producer: ReceivedSpan, topic: string): Promise<ReceivedSpan> {
    const appended = await span(`the ledger's span of ${topic}`, (candidate) => processes('ledger', topic)(candidate) && childOf(producer)(candidate));
    const height = appended.attributes[BLOCK_HEIGHT];
    expect(typeof height).toBe('number');
    // The block at that height holds the event: its inclusion proof's leaf lies in the block's range of the tree.
    const eventId = String(appended.attributes['messaging.message.id']);
    const ledger = platform.service('ledger');
    const block = (await (await fetch(`${ledger.baseUrl}/v1/blocks/${height}`)).json()) as { header: { treeSize: number; eventCount: number } };
    const proof = (await (await fetch(`${ledger.baseUrl}/v1/events/${encodeURIComponent(eventId)}/proof`)).json()) as { leafIndex: number };
    expect(proof.leafIndex).toBeGreaterThanOrEqual(block.header.treeSize - block.header.eventCount);
    expect(proof.leafIndex).toBeLessThan(block.header.treeSize);
    return appended;
  }

  /** The submitted Observation's location (`Observation/<platform id>`), from the first test's transaction-response. */
  let observationLocation = '';

  it('follows a submission from ingestion through encryption to the ledger block, access control and governance', async () => {
    const answer = await call('ingestion', 'POST', '/fhir/R4', exportTransaction(exported, 0, 'first'), {
      traceparent: `00-${clientTraceId}-c11e47c11e47c11e-01`,
    });
    expect(answer.status).toBe(200);
    const index = exportTransaction(exported, 0, 'first').entry?.findIndex((entry) => entry.resource?.resourceType === 'Observation') ?? -1;
    observationLocation = (answer.body['entry'] as { response: { location: string } }[])[index].response.location.replace(/\/_history\/\d+$/, '');

    const request = await span(
      "ingestion's HTTP span",
      (candidate) => candidate.service === 'ingestion' && candidate.kind === SpanKinds.server && candidate.attributes['http.route'] === '/fhir/R4',
    );
    expect(request.name).toBe('POST /fhir/R4');
    expect(request.parentSpanId).toBe('');
    const sealed = await span(
      'the sealed publish',
      (candidate) => sends('ingestion', topics.ingestSealed.name)(candidate) && candidate.traceId === request.traceId,
    );
    expect(isBelow(sealed, request)).toBe(true);
    const opened = await span(
      'encryption consuming the sealed event',
      (candidate) => processes('encryption', topics.ingestSealed.name)(candidate) && childOf(sealed)(candidate),
    );
    const encrypted = await span(
      'the records.encrypted publish',
      (candidate) => sends('encryption', topics.recordsEncrypted.name)(candidate) && childOf(opened)(candidate),
    );
    await ledgerBlockOf(encrypted, topics.recordsEncrypted.name);
    await span(
      'access control consuming records.encrypted',
      (candidate) => processes('access-control', topics.recordsEncrypted.name)(candidate) && childOf(encrypted)(candidate),
    );
    await span(
      'governance consuming records.encrypted',
      (candidate) => processes('governance', topics.recordsEncrypted.name)(candidate) && childOf(encrypted)(candidate),
    );

    // Every span of the trace hangs below the HTTP request: one tree, no orphan. Each process exports in batches, so a
    // parent (a batch's span ends after its messages') can arrive after its children: the tree is awaited, not sampled.
    const inTrace = () => receiver.spans.filter((candidate) => candidate.traceId === request.traceId);
    const orphans = () => inTrace().filter((member) => member !== request && !isBelow(member, request));
    await eventually(() => orphans().length === 0 || undefined, { what: 'every span of the trace below the HTTP request' }).catch(() => undefined);
    expect(orphans().map((orphan) => `${orphan.service}: ${orphan.name}`)).toEqual([]);
    const trace = inTrace();
    expect(new Set(trace.map((candidate) => candidate.service))).toEqual(new Set(['ingestion', 'encryption', 'ledger', 'access-control', 'governance']));
    // pg spans sit inside the traced work (ingestion stores its idempotency and versions there).
    expect(trace.some((candidate) => candidate.attributes['db.system'] === 'postgresql')).toBe(true);
    expect(receiver.spans.some((candidate) => candidate.traceId === clientTraceId)).toBe(false);
  });

  it('follows a later read through its decision (onto the ledger) and the decrypt round trip', async () => {
    // The first test's submission, read back by the location its answer gave, once the record is stored.
    const read = await eventually(
      async () => {
        const answer = await call('access-control', 'GET', `/fhir/R4/${observationLocation}?purpose=HOPERAT`);
        return answer.status === 200 ? answer : undefined;
      },
      { timeoutMs: 60_000, what: 'the submitted Observation to be readable' },
    );
    expect(read.status).toBe(200);

    const request = await span(
      "access control's HTTP span of the read",
      (candidate) =>
        candidate.service === 'access-control' &&
        candidate.kind === SpanKinds.server &&
        candidate.attributes['http.route'] === '/fhir/R4/:type/:id' &&
        // The read that answered (earlier tries may have come before the record was stored).
        (candidate.attributes['http.status_code'] ?? candidate.attributes['http.response.status_code']) === 200,
    );
    const decision = await span(
      'the decision publish',
      (candidate) => sends('access-control', topics.accessDecisions.name)(candidate) && candidate.traceId === request.traceId,
    );
    expect(isBelow(decision, request)).toBe(true);
    await ledgerBlockOf(decision, topics.accessDecisions.name);
    const asked = await span(
      'the decrypt request',
      (candidate) => sends('access-control', topics.decryptRequests.name)(candidate) && candidate.traceId === request.traceId,
    );
    expect(isBelow(asked, request)).toBe(true);
    const decrypting = await span(
      'encryption serving the decrypt request',
      (candidate) => processes('encryption', topics.decryptRequests.name)(candidate) && childOf(asked)(candidate),
    );
    await span('the decrypt reply', (candidate) => sends('encryption', topics.decryptReplies.name)(candidate) && childOf(decrypting)(candidate));
    // The decrypt's own database reads are inside its span.
    await span('a pg span of the decrypt', (candidate) => candidate.attributes['db.system'] === 'postgresql' && isBelow(candidate, decrypting));

    // Paths carry ids: the HTTP span names the route template only, and nothing the client chose is in any span.
    expect(request.name).toBe('GET /fhir/R4/:type/:id');
    expect(JSON.stringify(request.attributes)).not.toContain(observationLocation.split('/')[1]);
    const submitted = exportTransaction(exported, 0, 'first');
    const observation = submitted.entry?.find((entry) => entry.resource?.resourceType === 'Observation')?.resource as { id: string };
    const exportedText = receiver.bodies.join('\n');
    // The holder's own Organization names the institution id, which is configuration (topic names carry it), not a client's value.
    const chosenValues = [observation.id, ...identifierValues(submitted)].filter((value) => value !== holder);
    expect(chosenValues.length).toBeGreaterThan(1);
    for (const chosen of chosenValues) expect(exportedText).not.toContain(chosen);
  });
});

/** Every identifier value in a bundle: national ids and the hospital's own record numbers. */
function identifierValues(bundle: { entry?: { resource?: unknown }[] }): string[] {
  return (bundle.entry ?? []).flatMap(({ resource }) =>
    ((resource as { identifier?: { value?: string }[] }).identifier ?? []).flatMap(({ value }) => (value ? [value] : [])),
  );
}
