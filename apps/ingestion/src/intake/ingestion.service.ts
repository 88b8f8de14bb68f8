// Ingests one submission: authenticate, validate, resolve patients, seal per patient, publish, answer.
import { Inject, Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { canonicalJson, envelope, newEventId, topics, type EventOf, type MedshareEvent, type TopicSpec } from '@medshare/contracts';
import { pseudonymise, verifyInstitutionToken, type InstitutionKeyring, type PseudonymKey } from '@medshare/crypto';
import type { Bundle, FhirResource, OperationOutcomeIssue } from '@medshare/fhir';
import { EventPublisher } from '@medshare/messaging';
import { LOGGER, PlatformKeys, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import { Counter } from 'prom-client';
import { InlineDataMover } from '../attachments/inline-data';
import type { IngestionConfig } from '../config';
import { submissionAudit, timelinessOf } from './submission-audit';
import { IdempotencyRepository, type PreparedPublication, type StoredAnswer } from '../persistence/idempotency.repository';
import { PatientLinkRepository } from '../persistence/patient-link.repository';
import { ResourceVersionRepository, VersionConflict } from '../persistence/resource-version.repository';
import { parseRequests, type EntryRequest, type RefusedEntry } from '../versions/entry-requests';
import { refusedEntriesOf, refusedResponse, responseOf, transactionRefusal, type EntryResponse } from '../versions/entry-responses';
import { danglingReferences, literalReferences, planVersions, type EntryOutcome, type PlannedRequest, type Refs } from '../versions/version-plan';
import { sealSubmission, type SealedRecordReceipt } from '../sealing/record-sealer';
import { SealingKeyRegistry } from '../sealing/sealing-key.registry';
import { bodyHashOf, claimKeyOf } from './idempotency-key';
import { IngestionError, IngestionErrorCode, codeOfStatus, failure, issue, waitsForLaterLines } from './ingestion-error';
import { InstitutionNamespace } from './institution-namespace';
import { identityTokenEvents, sharedIdentifierPseudonyms, type TokenSubject } from './identity-tokens';
import { PATIENT_RESOURCE_ID_SYSTEM, planIntake } from './intake-plan';
import { resolvePatients } from './patient-resolution';
import { ValidationThread } from './validation-thread';

export interface Submission {
  authorization?: string;
  idempotencyKey?: string;
  /** Reads the body within the size limit (throws IngestionError TooLarge beyond it). */
  readBody(): Promise<Buffer>;
  contentType?: string;
  /**
   * The FHIR base (/fhir/R4) takes only batch and transaction Bundles and answers a batch's entries independently;
   * the /v1/fhir alias also takes a single resource and refuses a batch with a bad entry whole.
   */
  fhirBase?: boolean;
  /**
   * A pass of an $import job (a batch): an entry whose patient or a `Type/<id>` it names is not known yet is answered
   * as waiting (ingestion-error `waitsForLaterLines`) and left out of the audit, since the job sends it again later.
   */
  deferUnresolved?: boolean;
  /**
   * Called once what this submission writes before publishing (patient links, reserved versions, client ids, the
   * prepared events) is committed: a later submission that builds on it may start while this one publishes.
   */
  onPrepared?: () => void;
}

export interface Accepted {
  requestId: string;
  events: string[];
  records: SealedRecordReceipt[];
  /** Every entry's answer (status, location, etag), for the batch-response / transaction-response Bundle. */
  entries: EntryResponse[];
  responseType: 'batch-response' | 'transaction-response';
}

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const FHIR_MEDIA_TYPES = new Set(['application/fhir+json', 'application/json']);
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
/** Client ids and identifiers are patient data: they are kept only as pseudonyms in these local domains. */
const RESOURCE_ID_SYSTEM = 'urn:medshare:resource-id';
const IDENTIFIER_SYSTEM = 'urn:medshare:resource-identifier';
const CONTENT_HASH_LABEL = 'medshare.resource-content.v1\0';
/** ~100 bytes a link: events stay far below Kafka's 1 MB message limit. */
const LINKS_PER_EVENT = 2000;

const requestsTotal = new Counter({ name: 'medshare_ingestion_requests_total', help: 'Submissions answered, by status', labelNames: ['status'] });
const recordsTotal = new Counter({ name: 'medshare_ingestion_records_total', help: 'Records sealed and published' });

@Injectable()
export class IngestionService {
  private readonly keyring: InstitutionKeyring;
  private readonly pseudonymKey: PseudonymKey;
  private readonly namespace: InstitutionNamespace;
  /** Until when submissions are refused without trying Kafka, after a failed publish (see publishOrRefuse). */
  private kafkaRefusedUntil = 0;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: IngestionConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly publisher: EventPublisher,
    private readonly sealingKeys: SealingKeyRegistry,
    private readonly validation: ValidationThread,
    private readonly idempotency: IdempotencyRepository,
    private readonly patientLinks: PatientLinkRepository,
    private readonly versions: ResourceVersionRepository,
    private readonly inlineData: InlineDataMover,
    keys: PlatformKeys,
  ) {
    this.keyring = keys.institutionKeyring();
    this.pseudonymKey = keys.pseudonymKey();
    this.namespace = new InstitutionNamespace(keys.institutions, config.INSTITUTION_NAMESPACE_TEMPLATE);
  }

  /** `authenticated`: the institution a caller already proved (a bulk import's chunks, sent long after its upload). */
  async submit(submission: Submission, authenticated?: string): Promise<Answer> {
    const requestId = newEventId();
    let institution: string | undefined;
    try {
      institution = authenticated ?? this.authenticate(submission.authorization);
      const answer = await this.accept(institution, requestId, submission);
      requestsTotal.inc({ status: String(answer.status) });
      return { ...answer, headers: { 'X-Request-Id': requestId, ...answer.headers } };
    } catch (error) {
      if (!(error instanceof IngestionError)) throw error;
      requestsTotal.inc({ status: String(error.status) });
      this.logger.info({ requestId, institution, status: error.status, code: error.code, issues: error.issues.length }, 'submission refused');
      if (institution !== undefined && error.code !== IngestionErrorCode.Unavailable && error.code !== IngestionErrorCode.IdempotencyConflict) {
        await this.publishRejection(institution, requestId, error);
      }
      error.headers['X-Request-Id'] = requestId;
      if (error.code === IngestionErrorCode.Unavailable) error.headers['Retry-After'] = String(this.config.RETRY_AFTER_SECONDS);
      if (error.code === IngestionErrorCode.Unauthenticated) error.headers['WWW-Authenticate'] = 'Bearer realm="medshare"';
      throw error;
    }
  }

  /** Checks the caller's token only (the FHIR base's metadata is for registered institutions). */
  authenticateOnly(authorization: string | undefined): void {
    try {
      this.authenticate(authorization);
    } catch (error) {
      if (error instanceof IngestionError && error.code === IngestionErrorCode.Unauthenticated) error.headers['WWW-Authenticate'] = 'Bearer realm="medshare"';
      throw error;
    }
  }

  /** The institution a bearer token proves (also the attachments' door). */
  authenticate(authorization: string | undefined): string {
    const token = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(authorization ?? '')?.[1];
    if (token === undefined) throw failure(IngestionErrorCode.Unauthenticated, 'login', 'A bearer token signed by a registered institution is required');
    const verified = verifyInstitutionToken(this.keyring, token, new Date());
    if (verified.ok) return verified.identity.institution;
    if (verified.reason === 'issuer-mismatch')
      throw failure(IngestionErrorCode.ForeignInstitution, 'forbidden', 'The token claims another institution than its signer');
    throw failure(IngestionErrorCode.Unauthenticated, 'login', `The bearer token was refused (${verified.reason})`);
  }

  private async accept(institution: string, requestId: string, submission: Submission): Promise<Answer> {
    const mediaType = (submission.contentType ?? '').split(';')[0].trim().toLowerCase();
    if (!FHIR_MEDIA_TYPES.has(mediaType)) {
      throw failure(IngestionErrorCode.UnsupportedMediaType, 'not-supported', 'Send application/fhir+json or application/json');
    }
    const key = submission.idempotencyKey;
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw failure(IngestionErrorCode.MalformedBody, 'invalid', 'Idempotency-Key must be 1-200 visible ASCII characters');
    }
    const bytes = await submission.readBody();
    const verdict = await this.validation.check(bytes);
    let refused: RefusedEntry[] = [];
    if (!verdict.ok) {
      const error = new IngestionError(verdict.code, verdict.issues);
      // Only a FHIR-invalid batch (structurally sound JSON) may be answered entry by entry.
      const perEntry = submission.fhirBase && verdict.code === IngestionErrorCode.InvalidResource ? refusedEntriesOf(error) : undefined;
      if (perEntry === undefined || !isBatch(JSON.parse(bytes.toString('utf8')))) throw error;
      refused = perEntry;
    }
    // Valid FHIR (or FHIR-invalid only inside entries), so within the nesting bound: parsing it here again is safe and
    // cheap (the thread keeps its copy).
    const body = JSON.parse(bytes.toString('utf8')) as FhirResource;
    if (submission.fhirBase && body.resourceType !== 'Bundle')
      throw failure(IngestionErrorCode.InvalidRequest, 'invalid', 'POST [base] takes a batch or transaction Bundle');
    const prepare = () =>
      this.prepare(institution, requestId, body, { fhirBase: submission.fhirBase === true, deferUnresolved: submission.deferUnresolved === true }, refused);
    if (key === undefined) return this.publishPrepared(institution, requestId, await prepare());

    const claimKey = claimKeyOf(this.pseudonymKey, institution, key);
    const leaseMs = this.config.IDEMPOTENCY_LEASE_MS;
    const claim = await this.unavailableOnError(() => this.idempotency.claim(claimKey, bodyHashOf(this.pseudonymKey, claimKey, bytes), leaseMs));
    switch (claim.kind) {
      case 'answered':
        return replayed(claim.answer);
      case 'other-body':
        throw failure(IngestionErrorCode.IdempotencyConflict, 'conflict', 'This Idempotency-Key was used with another body');
      case 'in-progress':
        throw failure(IngestionErrorCode.IdempotencyConflict, 'conflict', 'A request with this Idempotency-Key is still in progress');
      case 'claimed':
        break;
    }
    // The lease outlives this request only if the process dies: then another instance takes the claim over.
    const heartbeat = setInterval(() => {
      this.idempotency
        .renew(claimKey, claim.owner, leaseMs)
        .catch((error: unknown) => this.logger.warn({ requestId, error: errorText(error) }, 'idempotency lease not renewed'));
    }, leaseMs / 3);
    try {
      let prepared = claim.prepared;
      if (prepared === undefined) {
        const fresh = await prepare();
        if (!(await this.unavailableOnError(() => this.idempotency.prepare(claimKey, claim.owner, fresh, leaseMs)))) {
          throw failure(IngestionErrorCode.IdempotencyConflict, 'conflict', 'A request with this Idempotency-Key is still in progress');
        }
        prepared = fresh;
      }
      submission.onPrepared?.();
      const answer = await this.publishPrepared(institution, requestId, prepared);
      await this.unavailableOnError(() => this.idempotency.answer(claimKey, answer));
      return claim.prepared === undefined ? answer : replayed(answer);
    } catch (error) {
      // Refusals change nothing and are not stored: a retry with the same key is judged again.
      await this.idempotency
        .abandon(claimKey, claim.owner)
        .catch((abandonError: unknown) => this.logger.warn({ requestId, error: errorText(abandonError) }, 'idempotency claim left to expire'));
      throw error;
    } finally {
      clearInterval(heartbeat);
    }
  }

  /**
   * Everything before the first publish, which a retry may repeat. In a batch answered entry by entry, an entry a
   * step refuses is set aside with its answer and the others are prepared again without it.
   */
  private async prepare(
    institution: string,
    requestId: string,
    body: FhirResource,
    mode: PrepareMode,
    refusedBefore: readonly RefusedEntry[],
  ): Promise<PreparedPublication> {
    const independent = mode.fhirBase && isBatch(body);
    const refused = [...refusedBefore];
    for (;;) {
      try {
        return await this.prepareEntries(institution, requestId, body, mode, independent, refused);
      } catch (error) {
        const known = new Set(refused.map((entry) => entry.entry));
        const more = (independent && error instanceof IngestionError && error.status < 500 ? refusedEntriesOf(error) : undefined)?.filter(
          (entry) => !known.has(entry.entry),
        );
        // Each round sets at least one more entry aside, so this ends; a refusal that names no new entry refuses the whole.
        if (more === undefined || more.length === 0) throw error;
        refused.push(...more);
      }
    }
  }

  /** Reads the requests, resolves the patients, decides versions, reserves them and seals what changes. */
  private async prepareEntries(
    institution: string,
    requestId: string,
    body: FhirResource,
    { fhirBase, deferUnresolved }: PrepareMode,
    independent: boolean,
    refusedBefore: readonly RefusedEntry[],
  ): Promise<PreparedPublication> {
    const parsed = parseRequests(body, new Set(refusedBefore.map((refused) => refused.entry ?? -1)));
    if (!fhirBase) parsed.refused.push(...parsed.requests.filter((request) => request.interaction === 'delete').map(aliasRefusesDelete));
    if (parsed.refused.length > 0 && !independent) throw transactionRefusal(parsed.refused, codeOfStatus);
    const refused = [...refusedBefore, ...parsed.refused];
    const plan = planIntake(
      body,
      { institution, namespace: this.namespace, pseudonymKey: this.pseudonymKey },
      new Set(refused.map((entry) => entry.entry ?? -1)),
    );
    const key = this.sealingKeys.current();
    if (key === undefined) throw failure(IngestionErrorCode.Unavailable, 'transient', 'No sealing key is known yet');
    const identifiers = [...new Set(plan.entries.flatMap((entry) => entry.candidates.map((candidate) => candidate.pseudonym)))];
    const stored = await this.unavailableOnError(() => this.patientLinks.linksOf(identifiers));
    const resolution = resolvePatients(plan.entries, stored.links);
    if (!resolution.ok) throw resolution.error;
    await this.unavailableOnError(() => this.patientLinks.link(resolution.newLinks));
    // Re-read: a concurrent request may have linked an identifier first, and its link wins.
    const settledLinks = resolution.newLinks.size === 0 ? stored : await this.unavailableOnError(() => this.patientLinks.linksOf(identifiers));
    const settled = resolution.newLinks.size === 0 ? resolution : resolvePatients(plan.entries, settledLinks.links);
    if (!settled.ok) throw settled.error;
    const owners = new Map(plan.entries.map((entry, index) => [entry.entry, settled.patients[index]]));
    const planned = parsed.requests.map((request) => ({ request, keyOwner: owners.get(request.entry) }));
    const receivedAt = Date.now();
    const { outcomes, dangling } = fhirBase ? await this.planVersions(institution, planned, deferUnresolved) : { outcomes: [], dangling: undefined };
    const refusedVersions = outcomes.flatMap((outcome) => (outcome.kind === 'refused' ? [outcome] : []));
    if (refusedVersions.length > 0 && !independent) throw transactionRefusal(refusedVersions, codeOfStatus);
    // A version's record id names it (`<logical id>.<version>`, platform ids only): readers find a resource's versions by it.
    const writes = fhirBase
      ? outcomes.flatMap((outcome) => (outcome.kind === 'write' ? [{ ...outcome, recordId: `${outcome.logicalId}.${outcome.version}` }] : []))
      : asSent(planned);
    try {
      await this.versions.reserve(
        institution,
        writes.filter((write) => write.kind === 'write'),
      );
    } catch (error) {
      if (error instanceof VersionConflict)
        throw failure(IngestionErrorCode.VersionConflict, 'conflict', 'A concurrent request changed the same resource; retry');
      return this.unavailableOnError(() => Promise.reject(error));
    }
    // A new Patient's platform id names it too: a record that later says `Patient/<platform id>` (as read back) lands under it.
    const platformIds = new Map(
      writes.flatMap((write) =>
        write.kind === 'write' && write.created && write.resourceType === 'Patient'
          ? [[pseudonymise(this.pseudonymKey, PATIENT_RESOURCE_ID_SYSTEM, write.logicalId, institution), write.keyOwner] as const]
          : [],
      ),
    );
    await this.unavailableOnError(() => this.patientLinks.link(platformIds));
    const sealed = await sealSubmission({
      institution,
      requestId,
      key,
      records: await this.inlineData.moveLarge(
        institution,
        writes.map((write) => ({
          ...(write.entry === undefined ? {} : { entry: write.entry }),
          patient: write.keyOwner,
          resource: write.resource,
          recordId: write.recordId,
        })),
      ),
    });
    const entries = [...refused.map(refusedResponse), ...outcomes.map(responseOf)].sort((a, b) => (a.entry ?? 0) - (b.entry ?? 0));
    const accepted: Accepted = {
      requestId,
      events: sealed.events.map((event) => event.id),
      records: sealed.receipts,
      entries,
      responseType: isBatch(body) ? 'batch-response' : 'transaction-response',
    };
    const tokens = await this.tokenEvents(institution, parsed.requests, writes);
    return {
      identity: [...linkEvents(institution, settledLinks.unannounced), ...tokens],
      sealed: sealed.events,
      audit: [
        submissionAudit(
          institution,
          requestId,
          202,
          sealed.receipts.length,
          deferUnresolved ? entries.filter((entry) => !waitsForLaterLines(entry.issues ?? [])) : entries,
          {
            timeliness: timelinessOf(
              writes.flatMap((write) => (write.kind === 'write' && write.deleted ? [] : [write.resource])),
              receivedAt,
            ),
            danglingReferences: dangling,
          },
        ),
      ],
      answer: { status: 202, body: accepted },
      ...(fhirBase ? {} : { unversioned: true as const }),
    };
  }

  /** Keyed tokens of the Patients and Practitioners written, from the resources as sent (identity-tokens.ts). */
  private async tokenEvents(
    institution: string,
    requests: readonly EntryRequest[],
    writes: readonly { entry?: number; keyOwner: string; deleted?: boolean }[],
  ): Promise<MedshareEvent[]> {
    const requestOf = new Map(requests.map((request) => [request.entry, request]));
    const subjects: TokenSubject[] = writes.flatMap((write) => {
      const request = requestOf.get(write.entry);
      if (request?.resource === undefined || write.deleted === true) return [];
      const clientId = request.clientId ?? request.resource.id;
      return [{ resource: request.resource, keyOwner: write.keyOwner, ...(clientId === undefined ? {} : { clientId }) }];
    });
    const shared = subjects
      .filter((subject) => subject.resource.resourceType === 'Practitioner')
      .flatMap((subject) => sharedIdentifierPseudonyms(this.pseudonymKey, institution, subject.resource));
    const { links } = await this.unavailableOnError(() => this.patientLinks.linksOf(shared));
    return identityTokenEvents(institution, this.pseudonymKey, subjects, links);
  }

  /** What each request writes: the state of every resource it targets or references is read first, then decided purely. */
  /** The outcomes, and how many of their references resolve to nothing the institution sent (submission-audit). */
  private async planVersions(
    institution: string,
    planned: readonly PlannedRequest[],
    deferUnresolved: boolean,
  ): Promise<{ outcomes: EntryOutcome[]; dangling: number }> {
    const refs = this.refsOf(institution);
    const requests = planned.map(({ request }) => request);
    const named = [
      ...requests.flatMap((request) => (request.clientId === undefined ? [] : [{ resourceType: request.resourceType, id: request.clientId }])),
      ...literalReferences(requests.flatMap((request) => (request.resource === undefined ? [] : [request.resource]))),
    ];
    const known = await this.unavailableOnError(() =>
      this.versions.known(institution, {
        clientRefs: named.map(({ resourceType, id }) => refs.clientRef(resourceType, id)),
        logicalIds: named.map(({ resourceType, id }) => `${resourceType}/${id}`),
        identifierRefs: requests.flatMap((request) =>
          request.ifNoneExist === undefined ? [] : [refs.identifierRef(request.resourceType, request.ifNoneExist.system, request.ifNoneExist.value)],
        ),
      }),
    );
    const hash = (resource: FhirResource) => {
      const { id: _id, meta, ...content } = resource;
      const { versionId: _version, lastUpdated: _updated, ...kept } = (meta ?? {}) as Record<string, unknown>;
      return createHmac('sha256', this.pseudonymKey.secret)
        .update(CONTENT_HASH_LABEL)
        .update(canonicalJson({ ...content, meta: kept }), 'utf8')
        .digest('hex');
    };
    const outcomes = planVersions(planned, known, refs, { now: new Date().toISOString(), newId: newEventId, hash, deferUnresolved });
    return { outcomes, dangling: danglingReferences(outcomes, known) };
  }

  /** Client ids and identifiers as keyed pseudonyms in the institution's local domain, per resource type. */
  private refsOf(institution: string): Refs {
    return {
      clientRef: (resourceType, clientId) => pseudonymise(this.pseudonymKey, `${RESOURCE_ID_SYSTEM}:${resourceType}`, clientId, institution),
      identifierRef: (resourceType, system, value) => pseudonymise(this.pseudonymKey, `${IDENTIFIER_SYSTEM}:${resourceType}:${system}`, value, institution),
    };
  }

  /**
   * Publishes the links the records rely on that no earlier request got acknowledged, and the keyed tokens of the
   * Patients and Practitioners written, BEFORE their ingest.sealed: a 202 then implies every link of its records
   * (and their tokens) is on medshare.identity.v1. A failure answers 503 and leaves the
   * links unannounced, so the retry (or any request naming the patient) publishes them again.
   */
  private async publishPrepared(institution: string, requestId: string, prepared: PreparedPublication): Promise<Answer> {
    // Bookkeeping after an acknowledgement runs beside the next publish: its failure is harmless (logged), so nothing
    // waits for it but the answer.
    const bookkeeping: Promise<void>[] = [];
    if (prepared.identity.length > 0) {
      await this.publishOrRefuse(topics.identity, prepared.identity);
      const identifiers = prepared.identity.flatMap((event) =>
        event.type === 'identity.linked.v1' ? (event as EventOf<'identity.linked.v1'>).data.links.map((link) => link.identifier) : [],
      );
      // Unmarked links stay unannounced and are published again (readers apply a link once).
      bookkeeping.push(this.afterPublish(this.patientLinks.markAnnounced(identifiers), { links: identifiers.length }, 'published links not marked announced'));
    }
    const { records } = prepared.answer.body as Accepted;
    try {
      // The audit goes beside the records, one round trip instead of two: like them it is unknown until acknowledged,
      // and a retry under the same Idempotency-Key publishes both again with the same event ids.
      await allOrFirstFailure([
        this.publishOrRefuse(topics.ingestSealed, prepared.sealed).then(() => {
          // Unconfirmed versions stay reserved, so an identical re-send writes one more version.
          if (prepared.unversioned !== true)
            bookkeeping.push(
              this.afterPublish(
                this.versions.confirm(records.map((record) => record.recordId)),
                { requestId, records: records.length },
                'published versions not confirmed',
              ),
            );
        }),
        ...(prepared.audit === undefined ? [] : [this.publishOrRefuse(topics.auditSubmissions, prepared.audit)]),
      ]);
    } finally {
      await Promise.all(bookkeeping);
    }
    recordsTotal.inc(records.length);
    this.logger.info({ requestId, institution, records: records.length, patients: prepared.sealed.length }, 'submission sealed and published');
    return prepared.answer;
  }

  private async afterPublish(work: Promise<void>, context: Record<string, unknown>, warning: string): Promise<void> {
    try {
      await work;
    } catch (error) {
      this.logger.warn({ ...context, error: errorText(error) }, warning);
    }
  }

  /**
   * Waits at most PUBLISH_TIMEOUT_MS for Kafka's acknowledgement: a dead broker is a 503 within seconds, not after
   * kafkajs' own retries. The outcome is then unknown (the send may still land), which is why a claimed
   * Idempotency-Key keeps what it prepared and its retry publishes the same events. After one failure, later
   * submissions are answered 503 at once for Retry-After seconds; the first one after that window tries Kafka again.
   */
  private async publishOrRefuse(topic: TopicSpec, events: MedshareEvent[]): Promise<void> {
    if (Date.now() < this.kafkaRefusedUntil)
      throw failure(IngestionErrorCode.Unavailable, 'transient', 'The platform cannot take this submission now; retry later');
    try {
      await this.unavailableOnError(() => this.publisher.publish(topic, events, { deadlineMs: this.config.PUBLISH_TIMEOUT_MS }));
    } catch (error) {
      this.kafkaRefusedUntil = Date.now() + this.config.RETRY_AFTER_SECONDS * 1000;
      throw error;
    }
  }

  private async unavailableOnError<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      this.logger.warn({ error: errorText(error) }, 'dependency failed during a submission');
      throw failure(IngestionErrorCode.Unavailable, 'transient', 'The platform cannot take this submission now; retry later');
    }
  }

  /** Codes and element paths only: issue texts may quote submitted values, so they stay out of events. */
  private async publishRejection(institution: string, requestId: string, error: IngestionError): Promise<void> {
    const event = envelope('ingest.rejected.v1', institution, {
      institution,
      requestId,
      status: error.status,
      reasons: rejectionReasons(error.issues),
    });
    const entries = refusedEntriesOf(error) ?? [{ status: error.status, issues: error.issues }];
    const audit = submissionAudit(institution, requestId, error.status, 0, entries);
    if (Date.now() < this.kafkaRefusedUntil) return;
    try {
      await this.publisher.publish(topics.ingestRejected, [event], { deadlineMs: this.config.PUBLISH_TIMEOUT_MS });
      await this.publisher.publish(topics.auditSubmissions, [audit], { deadlineMs: this.config.PUBLISH_TIMEOUT_MS });
    } catch (publishError) {
      this.logger.warn({ requestId, error: errorText(publishError) }, 'rejection event not published');
    }
  }
}

/** Waits for every publish to settle (nothing is still queued when the caller answers), then fails with the first failure. */
async function allOrFirstFailure(publishes: readonly Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(publishes)).find((outcome) => outcome.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

/** identity.linked.v1 events for links not yet announced, at most LINKS_PER_EVENT links each. */
function linkEvents(institution: string, unannounced: ReadonlyMap<string, string>): MedshareEvent[] {
  const links = [...unannounced].map(([identifier, patient]) => ({ identifier, patient }));
  const events: MedshareEvent[] = [];
  for (let start = 0; start < links.length; start += LINKS_PER_EVENT) {
    events.push(envelope('identity.linked.v1', institution, { institution, links: links.slice(start, start + LINKS_PER_EVENT) }, { subject: institution }));
  }
  return events;
}

/**
 * The /v1/fhir alias stores records as sent (its callers read back the ids they sent): no versions, no renaming.
 * What it cannot honour, a deletion, it refuses instead of storing the entry as a record.
 */
function asSent(planned: readonly PlannedRequest[]) {
  return planned.map(({ request, keyOwner }) => ({
    kind: 'as-sent' as const,
    entry: request.entry,
    keyOwner: keyOwner as string,
    resource: request.resource as FhirResource,
    recordId: newEventId(),
  }));
}

function aliasRefusesDelete(request: EntryRequest): RefusedEntry {
  const where = request.entry === undefined ? undefined : `Bundle.entry[${request.entry}].request.method`;
  return {
    ...(request.entry === undefined ? {} : { entry: request.entry }),
    status: 405,
    issues: [issue('not-supported', 'POST /v1/fhir stores records as sent; a DELETE is answered at the FHIR base /fhir/R4', where)],
  };
}

interface PrepareMode {
  fhirBase: boolean;
  deferUnresolved: boolean;
}

function isBatch(body: unknown): boolean {
  return (body as Bundle | undefined)?.resourceType === 'Bundle' && (body as Bundle).type === 'batch';
}

/** A stored answer given again: it names the request that was answered, not this one. */
function replayed(answer: StoredAnswer): Answer {
  return { status: answer.status, body: answer.body, headers: { 'Idempotent-Replayed': 'true', 'X-Request-Id': (answer.body as Accepted).requestId } };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function rejectionReasons(issues: readonly OperationOutcomeIssue[]) {
  return issues.slice(0, 1000).map((issue) => {
    const expression = (issue.expression ?? []).slice(0, 20).map((path) => path.slice(0, 200));
    const entry = /^Bundle\.entry\[(\d+)\]/.exec(expression[0] ?? '')?.[1];
    return {
      ...(entry === undefined ? {} : { entry: Number(entry) }),
      code: issue.code.slice(0, 64),
      ...(expression.length === 0 ? {} : { expression }),
    };
  });
}
