// The two ways to ask: a decision alone (POST /v1/decisions) and a read (GET .../records), each decided by
// libs/consent over this instance's projection, each leaving an access.decision.v1 before it answers.
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import {
  decide,
  deIdentify,
  filterRecords,
  isVocabularyLabelSystem,
  parseAccessRequest,
  type AccessRequest,
  type Decision,
  type PractitionerRole,
  type RecordMeta,
  type RequestDecision,
} from '@medshare/consent';
import { newEventId } from '@medshare/contracts';
import { institutionKeyOwner } from '@medshare/crypto';
import { clinicalDateOf, currentVersions, securityLabelsOf, type Bundle, type CodeableConcept } from '@medshare/fhir';
import { LOGGER, PlatformKeys, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import { AccessControlError, AccessControlErrorCode } from './access-control-error';
import { AuthenticationRefusal, RequesterAuthenticator, type Requester } from './auth/requester-authenticator';
import { AccessAuditPublisher } from './decisions/access-audit.publisher';
import { ClientIds } from './client-ids';
import { BreakGlassReasons } from './decisions/break-glass-reasons';
import { parsePatientToken, pseudonymOf } from './patient-token';
import type { AccessControlConfig } from './config';
import { AccessProjection } from './projection/access-projection';
import { ProjectionFeed } from './projection/projection-feed';
import { ProjectionRepository } from './projection/projection.repository';
import { RecordDecryptor, type DecryptedRecord, type RecordPermit } from './read/record-decryptor';
import { pickReferenced, referencedTypes, referencesByHolder } from './read/referenced-resources';
import { searchsetBundle } from './read/search-bundle';

export interface AccessQuery {
  /** FHIR token `system|value` of one of the patient's identifiers. */
  patient: string;
  purpose: unknown;
  /** Absent: every resource type the patient's records have. */
  resourceTypes?: unknown;
  reason?: unknown;
}

export interface DecisionAnswer {
  decisionId: string;
  effect: 'permit' | 'deny';
  /** False for a permit that still depends on each record's labels and dates (known only on reading). */
  final: boolean;
  reasons: readonly string[];
  decidingConsent?: string;
  decidingRule?: string;
  breakGlass: boolean;
  obligations: Decision['obligations'];
  reachableHolders: readonly string[];
}

export interface ReasonReview {
  /** The review's own decision (on the ledger like any disclosure). */
  reviewDecisionId: string;
  decisionId: string;
  reason: string;
  /** The keyed hash the decision event carries: the reason opened is the one the ledger committed to. */
  reasonHash: string;
  matchesLedger: boolean;
}

export interface ReadAnswer {
  decisionId: string;
  effect: 'permit' | 'deny';
  bundle: Bundle;
  withheldResourceTypes: readonly string[];
  /** Acknowledged before the read but not readable yet: left out, and said so (X-Medshare-Pending-Types). */
  pendingResourceTypes: readonly string[];
}

export interface FileRead {
  decisionId: string;
  /** The file's key, for this read only: the caller streams the file with it and wipes it. */
  key: Buffer;
}

/** Pause before asking the encryption service again for records it has not stored yet. */
const RETRY_PAUSE_MS = 50;

type PractitionerRequester = { institution: string; practitioner: string; role: PractitionerRole };

@Injectable()
export class AccessDecisions {
  constructor(
    private readonly projection: AccessProjection,
    private readonly authenticator: RequesterAuthenticator,
    private readonly audit: AccessAuditPublisher,
    private readonly decryptor: RecordDecryptor,
    private readonly reasons: BreakGlassReasons,
    private readonly ids: ClientIds,
    private readonly feed: ProjectionFeed,
    private readonly repository: ProjectionRepository,
    private readonly keys: PlatformKeys,
    @Inject(SERVICE_CONFIG) private readonly config: AccessControlConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Authenticates a practitioner; every refusal leaves a denial event before it is answered. */
  async authenticate(authorization: string | undefined, purpose: unknown, breakGlassReason?: unknown): Promise<PractitionerRequester> {
    try {
      return this.authenticator.practitioner(authorization, new Date());
    } catch (error) {
      if (error instanceof AuthenticationRefusal) await this.recordRefusal(error, typeof purpose === 'string' ? purpose : '', breakGlassReason);
      throw error;
    }
  }

  async recordRefusal(refusal: AuthenticationRefusal, purpose: string, breakGlassReason?: unknown): Promise<void> {
    // An unauthenticated ETREAT is not break-glass: only a request that passes authentication is alert-worthy.
    const authenticated = refusal.code === AccessControlErrorCode.Forbidden;
    refusal.decisionId = newEventId();
    await this.audit.decided({
      decisionId: refusal.decisionId,
      requester: refusal.who,
      purpose,
      effect: 'deny',
      httpStatus: refusal.status,
      reasons: [refusal.message],
      breakGlass: authenticated && purpose === 'ETREAT',
      ...(authenticated && purpose === 'ETREAT' && typeof breakGlassReason === 'string' && { breakGlassReason }),
      withheldResourceTypes: [],
      requestedResourceTypes: [],
    });
  }

  async ask(requester: PractitionerRequester, query: AccessQuery): Promise<DecisionAnswer> {
    const decisionId = newEventId();
    const { request, requested } = this.accessRequest(requester, query, 'patient');
    const { decision } = decide(request, this.projection);
    await this.recordDecision(decisionId, request, decision, 200, requested);
    return {
      decisionId,
      effect: decision.effect,
      final: decision.final,
      reasons: decision.reasons,
      ...(decision.decidingConsent && { decidingConsent: decision.decidingConsent }),
      ...(decision.decidingRule && { decidingRule: decision.decidingRule }),
      breakGlass: decision.breakGlass,
      obligations: decision.obligations,
      reachableHolders: decision.reachableHolders,
    };
  }

  async read(requester: PractitionerRequester, query: AccessQuery): Promise<ReadAnswer> {
    const decisionId = newEventId();
    // Every record acknowledged before this read is known before deciding, or the answer says it may be incomplete.
    const deadline = Date.now() + this.config.READ_CATCH_UP_MS;
    const catchingUp = this.feed.catchUpWithRecords(this.config.READ_CATCH_UP_MS);
    // Meanwhile the read is decided on the projection as it is and its permit sent (a round trip saved): its records
    // are used only if the caught-up projection asks for exactly the same permit, else they are dropped unseen.
    const early = this.earlyDecryption(decisionId, requester, query);
    const caughtUp = await catchingUp;
    const { request, requested, decision, context, permittedTypes } = this.readDecision(requester, query);
    if (decision.final) {
      await this.recordDecision(decisionId, request, decision, 403, requested);
      throw decided(
        new AccessControlError(
          AccessControlErrorCode.AccessDenied,
          decision.reasons.map((text) => ({ text })),
        ),
        decisionId,
      );
    }
    let ready = early !== undefined && samePermit(early.permit, this.permit(decisionId, request, decision, permittedTypes)) ? early.outcome : undefined;
    let decrypted: DecryptedRecord[] = [];
    let pending: string[] = caughtUp ? [] : [...context.requestedTypes].sort();
    // A record acknowledged but not yet in the encryption service's store is usually there a moment later: ask
    // again (each attempt a permit of its own) until it is, or the read's time is up and its type is named pending.
    // The decision's id is the first permit's, unless the early permit (which used it) was dropped.
    for (let permitId = early === undefined || ready !== undefined ? decisionId : newEventId(); permittedTypes.length > 0; permitId = newEventId()) {
      // What the projection acknowledged is read while the encryption service answers (nothing waits for it before).
      const acknowledged = caughtUp ? this.repository.recordsOf(request.patient) : undefined;
      acknowledged?.catch(() => undefined);
      const attempt = ready ?? this.decryptor.decrypt(this.permit(permitId, request, decision, permittedTypes));
      ready = undefined;
      const outcome = await this.withDecryption(decisionId, request, decision, requested, () => attempt);
      if (outcome.kind === 'erased') {
        await this.recordDecision(
          decisionId,
          request,
          { ...decision, effect: 'deny', reasons: ['the patient was erased: their records can no longer be read by anyone'] },
          410,
          requested,
        );
        throw decided(
          new AccessControlError(AccessControlErrorCode.Erased, 'this patient was erased (their data keys were destroyed): no record can be read'),
          decisionId,
        );
      }
      decrypted = outcome.records;
      if (acknowledged === undefined) break;
      pending = pendingTypes(await acknowledged, decision.reachableHolders, permittedTypes, decrypted);
      if (pending.length === 0 || Date.now() + RETRY_PAUSE_MS >= deadline) break;
      await sleep(RETRY_PAUSE_MS);
    }
    // Only the current version of each resource is judged and shown; a deleted one is gone.
    const current = currentVersions(decrypted);
    // Records of holders the requester may not reach never leave, whatever the encryption service returned.
    const byId = new Map(current.map((record) => [record.recordId, record]));
    const disclosure = filterRecords(
      context,
      current.map((record) => recordMeta(record, this.ids)),
    );
    const final = disclosure.decision;
    const released = disclosure.released.map(({ record }) => byId.get(record.recordId)).filter((record): record is DecryptedRecord => record !== undefined);
    const included = await this.referencedRecords(decisionId, request, final, released, requested);
    const shown = (records: readonly DecryptedRecord[]) =>
      records.map((record) => (final.obligations.deIdentify ? deIdentify(record.resource) : record.resource));
    await Promise.all([
      this.recordDecision(decisionId, request, final, 200, requested, pending),
      this.audit.disclosed({
        decisionId,
        requester: request.requester,
        patient: request.patient,
        purpose: request.purpose,
        breakGlass: final.breakGlass,
        deIdentified: final.obligations.deIdentify,
        records: [...released, ...included].map(({ recordId, resourceType, institution }) => ({ recordId, resourceType, institution })),
      }),
    ]);
    this.logger.info(
      {
        decisionId,
        effect: final.effect,
        released: released.length,
        included: included.length,
        withheld: disclosure.withheld.length,
        pending,
        breakGlass: final.breakGlass,
      },
      'read decided',
    );
    const notes = [
      ...(final.obligations.deIdentify ? ['research purpose: direct identifiers removed (de-identified)'] : []),
      ...(pending.length > 0 ? [`pending resource types (acknowledged, not readable yet: ask again): ${pending.join(', ')}`] : []),
    ];
    return {
      decisionId,
      effect: final.effect,
      bundle: searchsetBundle(decisionId, shown(released), final.obligations.withheldResourceTypes, notes, shown(included)),
      withheldResourceTypes: final.obligations.withheldResourceTypes,
      pendingResourceTypes: pending,
    };
  }

  /**
   * The reference resources (performer, organization, location...) the released records name, read from each
   * holder's institution records with a permit of their own: a holder whose records were released is reachable
   * under the same agreements, and nothing else is asked. An institution whose key was shredded has none to give.
   */
  private async referencedRecords(
    decisionId: string,
    request: AccessRequest,
    decision: Decision,
    released: readonly DecryptedRecord[],
    requested: readonly string[],
  ): Promise<DecryptedRecord[]> {
    const included: DecryptedRecord[] = [];
    for (const [holder, references] of referencesByHolder(released)) {
      const owner = institutionKeyOwner(this.keys.pseudonymKey(), holder);
      const held = new Set(this.projection.resourceTypesHeld(owner, [holder]));
      const resourceTypes = referencedTypes(references).filter((type) => held.has(type));
      if (resourceTypes.length === 0) continue;
      const outcome = await this.decrypt(decisionId, newEventId(), request, decision, resourceTypes, requested, owner);
      if (outcome.kind === 'records') included.push(...pickReferenced(holder, references, outcome.records));
    }
    return included;
  }

  /**
   * A read of one attachment, decided like a read of the patient's Binary records: the encryption service releases
   * the file's key only for a permit that names the file, and only a file of a holder the requester may reach, with
   * no de-identification asked (a file cannot be de-identified), leaves. Decision and disclosure are recorded first.
   */
  async readFile(requester: PractitionerRequester, query: Omit<AccessQuery, 'resourceTypes'>, fileId: string): Promise<FileRead> {
    const decisionId = newEventId();
    await this.feed.catchUpWithRecords(this.config.READ_CATCH_UP_MS);
    const { request, requested } = this.accessRequest(requester, { ...query, resourceTypes: ['Binary'] }, 'patientRef');
    const { decision, context }: RequestDecision = decide(request, this.projection);
    const refuse = async (effective: Decision, status: number, error: AccessControlError) => {
      await this.recordDecision(decisionId, request, effective, status, requested);
      throw decided(error, decisionId);
    };
    if (decision.final)
      return refuse(
        decision,
        403,
        new AccessControlError(
          AccessControlErrorCode.AccessDenied,
          decision.reasons.map((text) => ({ text })),
        ),
      );
    const outcome = await this.withDecryption(decisionId, request, decision, requested, () =>
      this.decryptor.fileKey({
        decisionId,
        requester: { institution: request.requester.institution, practitioner: request.requester.practitioner },
        patient: request.patient,
        resourceTypes: ['Binary'],
        purpose: request.purpose,
        file: fileId,
      }),
    );
    if (outcome.kind === 'erased') {
      return refuse(
        { ...decision, effect: 'deny', reasons: ['the patient was erased: their records can no longer be read by anyone'] },
        410,
        new AccessControlError(AccessControlErrorCode.Erased, 'this patient was erased (their data keys were destroyed): no file can be read'),
      );
    }
    const unknown = 'no stored file of this patient that the request may reach has this id';
    if (outcome.kind === 'unknown-file')
      return refuse({ ...decision, effect: 'deny', reasons: [unknown] }, 403, new AccessControlError(AccessControlErrorCode.AccessDenied, unknown));
    const final = filterRecords(context, [{ recordId: fileId, holder: outcome.institution, resourceType: 'Binary', securityLabels: [] }]).decision;
    if (final.effect !== 'permit' || final.obligations.deIdentify) {
      outcome.key.fill(0);
      const reasons = final.obligations.deIdentify ? ['a file cannot be de-identified: research reads of files are refused'] : final.reasons;
      return refuse(
        { ...final, effect: 'deny', reasons },
        403,
        new AccessControlError(
          AccessControlErrorCode.AccessDenied,
          reasons.map((text) => ({ text })),
        ),
      );
    }
    await Promise.all([
      this.recordDecision(decisionId, request, final, 200, requested),
      this.audit.disclosed({
        decisionId,
        requester: request.requester,
        patient: request.patient,
        purpose: request.purpose,
        breakGlass: final.breakGlass,
        deIdentified: false,
        records: [{ recordId: fileId, resourceType: 'Binary', institution: outcome.institution }],
      }),
    ]);
    this.logger.info({ decisionId, fileId, breakGlass: final.breakGlass }, 'file read permitted');
    return { decisionId, key: outcome.key };
  }

  /**
   * The requester's institution (its system or an admin) reviews a break-glass reason: the encryption service opens
   * the sealed copy under a review permit. Unknown decision and another institution's decision get the same 403.
   */
  async reviewBreakGlassReason(reviewer: Requester, decisionId: string): Promise<ReasonReview> {
    const stored = await this.reasons.find(decisionId);
    if (stored === undefined || stored.institution !== reviewer.institution) {
      throw new AccessControlError(AccessControlErrorCode.Forbidden, 'no sealed break-glass reason of this institution has this decision id');
    }
    const reviewDecisionId = newEventId();
    const requester = { institution: reviewer.institution, practitioner: reviewer.practitioner ?? `Organization/${reviewer.institution}` };
    const reason = await this.decryptor.reveal(
      { decisionId: reviewDecisionId, requester, patient: stored.patient, resourceTypes: ['AuditEvent'], purpose: 'HOPERAT', reveals: decisionId },
      stored.sealed,
    );
    await this.audit.decided({
      decisionId: reviewDecisionId,
      requester,
      patient: stored.patient,
      purpose: 'HOPERAT',
      effect: 'permit',
      httpStatus: 200,
      reasons: [`the break-glass reason of decision ${decisionId} was opened for review by the requester's institution`],
      breakGlass: false,
      withheldResourceTypes: [],
      requestedResourceTypes: [],
    });
    const matchesLedger = this.reasons.hash(decisionId, reason) === stored.hash;
    return { reviewDecisionId, decisionId, reason, reasonHash: stored.hash, matchesLedger };
  }

  /** A read's question decided over the projection as it is now, and the resource types a permit would name. */
  private readDecision(requester: PractitionerRequester, query: AccessQuery) {
    const { request, requested } = this.accessRequest(requester, query, 'patientRef');
    const { decision, context }: RequestDecision = decide(request, this.projection);
    // Only types a reachable holder has are worth a permit; labels and dates are judged after decryption.
    const permittedTypes = decision.final
      ? []
      : this.projection.resourceTypesHeld(request.patient, decision.reachableHolders).filter((type) => context.requestedTypes.has(type));
    return { request, requested, decision, context, permittedTypes };
  }

  /**
   * The read's first permit, decided before the projection caught up with the record topics and sent at once. Nothing
   * is recorded for it: a failure counts only if the read uses its outcome, a question refused here is decided again.
   */
  private earlyDecryption(decisionId: string, requester: PractitionerRequester, query: AccessQuery) {
    let early;
    try {
      early = this.readDecision(requester, query);
    } catch {
      return undefined;
    }
    if (early.permittedTypes.length === 0) return undefined;
    const permit = this.permit(decisionId, early.request, early.decision, early.permittedTypes);
    const outcome = this.decryptor.decrypt(permit);
    outcome.catch(() => undefined);
    return { permit, outcome };
  }

  /** What the encryption service is asked to open. `keyOwner`: the patient, or an institution for its reference resources. */
  private permit(permitId: string, request: AccessRequest, decision: Decision, resourceTypes: readonly string[], keyOwner = request.patient): RecordPermit {
    return {
      decisionId: permitId,
      requester: { institution: request.requester.institution, practitioner: request.requester.practitioner },
      patient: keyOwner,
      resourceTypes: [...resourceTypes],
      purpose: request.purpose,
      deIdentify: decision.obligations.deIdentify,
    };
  }

  /** `permitId`: a fresh id per attempt (permits are single use). */
  private decrypt(
    decisionId: string,
    permitId: string,
    request: AccessRequest,
    decision: Decision,
    resourceTypes: string[],
    requested: readonly string[],
    keyOwner = request.patient,
  ) {
    return this.withDecryption(decisionId, request, decision, requested, () =>
      this.decryptor.decrypt(this.permit(permitId, request, decision, resourceTypes, keyOwner)),
    );
  }

  /** A call to the encryption service; when it fails, the decision is recorded as a denial that disclosed nothing. */
  private async withDecryption<T>(
    decisionId: string,
    request: AccessRequest,
    decision: Decision,
    requested: readonly string[],
    call: () => Promise<T>,
  ): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const status = error instanceof AccessControlError ? error.status : 500;
      await this.recordDecision(
        decisionId,
        request,
        { ...decision, effect: 'deny', reasons: ['the records could not be decrypted: nothing was disclosed'] },
        status,
        requested,
      );
      if (error instanceof AccessControlError) error.decisionId = decisionId;
      throw error;
    }
  }

  /**
   * Validates the question (400 on bad input, no decision made) and resolves the patient to their pseudonym: the
   * token's own, or the patient ingestion linked it to (an MRN of a patient filed under their national id).
   */
  private accessRequest(requester: PractitionerRequester, query: AccessQuery, patientField: string): { request: AccessRequest; requested: readonly string[] } {
    const token = parsePatientToken(query.patient, patientField);
    const patient = this.projection.patientOf(pseudonymOf(this.keys.pseudonymKey(), token, requester.institution));
    const holders = this.projection.holdersOf(patient);
    const resourceTypes = query.resourceTypes ?? this.projection.resourceTypesHeld(patient, holders);
    const intake = parseAccessRequest({
      requester,
      patient,
      holders,
      purpose: query.purpose,
      resourceTypes,
      ...(query.reason !== undefined && { reason: query.reason }),
      now: new Date().toISOString(),
    });
    if (!intake.ok) {
      throw new AccessControlError(
        AccessControlErrorCode.InvalidInput,
        intake.issues.map((issue) => ({
          text: issue.diagnostics,
          expression: issue.expression[0]?.replace(/^AccessRequest\./, ''),
        })),
      );
    }
    return { request: intake.request, requested: intake.request.resourceTypes };
  }

  private recordDecision(
    decisionId: string,
    request: AccessRequest,
    decision: Decision,
    httpStatus: number,
    requested: readonly string[],
    pending: readonly string[] = [],
  ): Promise<void> {
    return this.audit.decided({
      decisionId,
      requester: request.requester,
      patient: request.patient,
      purpose: request.purpose,
      effect: decision.effect,
      httpStatus,
      reasons: decision.reasons,
      ...(decision.decidingConsent && { decidingConsent: decision.decidingConsent }),
      ...(decision.decidingRule && { decidingRule: decision.decidingRule }),
      breakGlass: decision.breakGlass,
      ...(decision.breakGlass && request.reason !== undefined && { breakGlassReason: request.reason }),
      withheldResourceTypes: decision.obligations.withheldResourceTypes,
      requestedResourceTypes: requested,
      pendingResourceTypes: pending,
    });
  }
}

function decided(error: AccessControlError, decisionId: string): AccessControlError {
  error.decisionId = decisionId;
  return error;
}

/**
 * What the consent engine judges a record by: only known after decryption (labels, clinical date, codes). Codes are
 * renamed as recorded consents name them (ClientIds.code).
 */
function recordMeta(record: DecryptedRecord, ids: ClientIds): RecordMeta {
  const clinicalDate = clinicalDateOf(record.resource);
  const code = record.resource['code'] as CodeableConcept | undefined;
  const codes = (code?.coding ?? [])
    .filter((c) => c.system !== undefined && c.code !== undefined)
    .map((c) => ids.code({ system: c.system as string, code: c.code as string }));
  return {
    recordId: record.recordId,
    holder: record.institution,
    resourceType: record.resourceType,
    // A label without a system is one medshare does not know: it withholds the record unless named. Opaque labels
    // are renamed as recorded consents name them.
    securityLabels: securityLabelsOf(record.resource).map(({ system = '', code }) =>
      system === '' || isVocabularyLabelSystem(system) ? { system, code } : ids.code({ system, code }),
    ),
    ...(clinicalDate !== undefined && { clinicalDate }),
    ...(codes.length > 0 && { codes }),
  };
}

/** The same question to the encryption service: an early permit's answer stands for this one's. */
function samePermit(early: RecordPermit, now: RecordPermit): boolean {
  return (
    early.patient === now.patient &&
    early.purpose === now.purpose &&
    early.deIdentify === now.deIdentify &&
    early.requester.institution === now.requester.institution &&
    early.requester.practitioner === now.requester.practitioner &&
    early.resourceTypes.length === now.resourceTypes.length &&
    early.resourceTypes.every((type, index) => type === now.resourceTypes[index])
  );
}

/**
 * Types of records the platform acknowledged (ingest.sealed or records.encrypted, at a reachable holder, of a
 * permitted type) that the encryption service did not return: not encrypted yet, or not in its store yet.
 */
function pendingTypes(
  acknowledged: readonly { recordId: string; institution: string; resourceType: string }[],
  reachableHolders: readonly string[],
  permittedTypes: readonly string[],
  returned: readonly DecryptedRecord[],
): string[] {
  const holders = new Set(reachableHolders);
  const types = new Set(permittedTypes);
  const read = new Set(returned.map((record) => record.recordId));
  const missing = acknowledged.filter((r) => holders.has(r.institution) && types.has(r.resourceType) && !read.has(r.recordId));
  return [...new Set(missing.map((r) => r.resourceType))].sort();
}
