// Ingests one submission: authenticate, validate, resolve patients, seal per patient, publish, answer.
import { Inject, Injectable } from '@nestjs/common';
import { envelope, newEventId, topics, type EventOf, type MedshareEvent, type TopicSpec } from '@medshare/contracts';
import { verifyInstitutionToken, type InstitutionKeyring, type PseudonymKey } from '@medshare/crypto';
import type { OperationOutcomeIssue } from '@medshare/fhir';
import { EventPublisher } from '@medshare/messaging';
import { LOGGER, PlatformKeys, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import { Counter } from 'prom-client';
import type { IngestionConfig } from '../config';
import { IdempotencyRepository, type PreparedPublication, type StoredAnswer } from '../persistence/idempotency.repository';
import { PatientLinkRepository } from '../persistence/patient-link.repository';
import { sealSubmission, type SealedRecordReceipt } from '../sealing/record-sealer';
import { SealingKeyRegistry } from '../sealing/sealing-key.registry';
import { bodyHashOf, claimKeyOf } from './idempotency-key';
import { IngestionError, IngestionErrorCode, failure } from './ingestion-error';
import { InstitutionNamespace } from './institution-namespace';
import { planIntake } from './intake-plan';
import { resolvePatients } from './patient-resolution';
import { ValidationThread } from './validation-thread';

export interface Submission {
  authorization?: string;
  idempotencyKey?: string;
  /** Reads the body within the size limit (throws IngestionError TooLarge beyond it). */
  readBody(): Promise<Buffer>;
  contentType?: string;
}

export interface Accepted {
  requestId: string;
  events: string[];
  records: SealedRecordReceipt[];
}

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const FHIR_MEDIA_TYPES = new Set(['application/fhir+json', 'application/json']);
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
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
    keys: PlatformKeys,
  ) {
    this.keyring = keys.institutionKeyring();
    this.pseudonymKey = keys.pseudonymKey();
    this.namespace = new InstitutionNamespace(keys.institutions, config.INSTITUTION_NAMESPACE_TEMPLATE);
  }

  async submit(submission: Submission): Promise<Answer> {
    const requestId = newEventId();
    let institution: string | undefined;
    try {
      institution = this.authenticate(submission.authorization);
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

  private authenticate(authorization: string | undefined): string {
    const token = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(authorization ?? '')?.[1];
    if (token === undefined) throw failure(IngestionErrorCode.Unauthenticated, 'login', 'A bearer token signed by a registered institution is required');
    const verified = verifyInstitutionToken(this.keyring, token, new Date());
    if (verified.ok) return verified.identity.institution;
    if (verified.reason === 'issuer-mismatch') throw failure(IngestionErrorCode.ForeignInstitution, 'forbidden', 'The token claims another institution than its signer');
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
    if (!verdict.ok) throw new IngestionError(verdict.code, verdict.issues);
    // Valid FHIR, so within the nesting bound: parsing it here again is safe and cheap (the thread keeps its copy).
    const body: unknown = JSON.parse(bytes.toString('utf8'));
    if (key === undefined) return this.publishPrepared(institution, requestId, await this.prepare(institution, requestId, body));

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
      this.idempotency.renew(claimKey, claim.owner, leaseMs).catch((error: unknown) => this.logger.warn({ requestId, error: errorText(error) }, 'idempotency lease not renewed'));
    }, leaseMs / 3);
    try {
      let prepared = claim.prepared;
      if (prepared === undefined) {
        const fresh = await this.prepare(institution, requestId, body);
        if (!(await this.unavailableOnError(() => this.idempotency.prepare(claimKey, claim.owner, fresh, leaseMs)))) {
          throw failure(IngestionErrorCode.IdempotencyConflict, 'conflict', 'A request with this Idempotency-Key is still in progress');
        }
        prepared = fresh;
      }
      const answer = await this.publishPrepared(institution, requestId, prepared);
      await this.unavailableOnError(() => this.idempotency.answer(claimKey, answer));
      return claim.prepared === undefined ? answer : replayed(answer);
    } catch (error) {
      // Refusals change nothing and are not stored: a retry with the same key is judged again.
      await this.idempotency.abandon(claimKey, claim.owner).catch((abandonError: unknown) => this.logger.warn({ requestId, error: errorText(abandonError) }, 'idempotency claim left to expire'));
      throw error;
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Validates, resolves the patients and seals: everything before the first publish, which a retry may repeat. */
  private async prepare(institution: string, requestId: string, body: unknown): Promise<PreparedPublication> {
    const plan = planIntake(body, { institution, namespace: this.namespace, pseudonymKey: this.pseudonymKey });
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
    const sealed = await sealSubmission({
      institution,
      requestId,
      key,
      records: plan.entries.map((entry, index) => ({ ...(entry.entry === undefined ? {} : { entry: entry.entry }), patient: settled.patients[index], resource: entry.resource })),
    });
    const accepted: Accepted = { requestId, events: sealed.events.map((event) => event.id), records: sealed.receipts };
    return { identity: linkEvents(institution, settledLinks.unannounced), sealed: sealed.events, answer: { status: 202, body: accepted } };
  }

  /**
   * Publishes the links the records rely on that no earlier request got acknowledged, BEFORE their ingest.sealed:
   * a 202 then implies every link of its records is on medshare.identity.v1. A failure answers 503 and leaves the
   * links unannounced, so the retry (or any request naming the patient) publishes them again.
   */
  private async publishPrepared(institution: string, requestId: string, prepared: PreparedPublication): Promise<Answer> {
    if (prepared.identity.length > 0) {
      await this.publishOrRefuse(topics.identity, prepared.identity);
      const identifiers = prepared.identity.flatMap((event) => (event as EventOf<'identity.linked.v1'>).data.links.map((link) => link.identifier));
      try {
        await this.patientLinks.markAnnounced(identifiers);
      } catch (error) {
        // Harmless: the links stay unannounced and are published again (readers apply a link once).
        this.logger.warn({ links: identifiers.length, error: errorText(error) }, 'published links not marked announced');
      }
    }
    await this.publishOrRefuse(topics.ingestSealed, prepared.sealed);
    const { records } = prepared.answer.body as Accepted;
    recordsTotal.inc(records.length);
    this.logger.info({ requestId, institution, records: records.length, patients: prepared.sealed.length }, 'submission sealed and published');
    return prepared.answer;
  }

  /**
   * Waits at most PUBLISH_TIMEOUT_MS for Kafka's acknowledgement: a dead broker is a 503 within seconds, not after
   * kafkajs' own retries. The outcome is then unknown (the send may still land), which is why a claimed
   * Idempotency-Key keeps what it prepared and its retry publishes the same events. After one failure, later
   * submissions are answered 503 at once for Retry-After seconds; the first one after that window tries Kafka again.
   */
  private async publishOrRefuse(topic: TopicSpec, events: MedshareEvent[]): Promise<void> {
    if (Date.now() < this.kafkaRefusedUntil) throw failure(IngestionErrorCode.Unavailable, 'transient', 'The platform cannot take this submission now; retry later');
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
    if (Date.now() < this.kafkaRefusedUntil) return;
    try {
      await this.publisher.publish(topics.ingestRejected, [event], { deadlineMs: this.config.PUBLISH_TIMEOUT_MS });
    } catch (publishError) {
      this.logger.warn({ requestId, error: errorText(publishError) }, 'rejection event not published');
    }
  }
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
