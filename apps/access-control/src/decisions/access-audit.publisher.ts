// Publishes what the ledger must see of every request: the decision (permit or deny), the disclosure, and for
// break-glass a governance alert of its own, so the alert exists even where governance monitoring is not running.
import { randomUUID } from 'node:crypto';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { envelope, topics, type EventData, type EventOf, type EventOn, type MedshareEvent, type TopicSpec } from '@medshare/contracts';
import type { EventPublisher } from '@medshare/messaging';
import type { PractitionerRole, RequestPurpose } from '@medshare/consent';
import { Counter, register } from 'prom-client';
import { AccessControlError, AccessControlErrorCode } from '../access-control-error';
import type { BreakGlassReasons } from './break-glass-reasons';

export const SERVICE_SOURCE = 'access-control';

export interface DecisionRecord {
  decisionId: string;
  requester: { institution: string; practitioner: string; role?: PractitionerRole };
  patient?: string;
  purpose: string;
  effect: 'permit' | 'deny';
  httpStatus: number;
  reasons: readonly string[];
  decidingConsent?: string;
  decidingRule?: string;
  breakGlass: boolean;
  /** Plaintext, never published: the event carries its keyed hash and a sealed copy (BreakGlassReasons). */
  breakGlassReason?: string;
  withheldResourceTypes: readonly string[];
  requestedResourceTypes: readonly string[];
  pendingResourceTypes?: readonly string[];
}

export interface DisclosureRecord {
  decisionId: string;
  requester: { institution: string; practitioner: string; role?: PractitionerRole };
  patient: string;
  purpose: RequestPurpose;
  breakGlass: boolean;
  deIdentified: boolean;
  records: readonly { recordId: string; resourceType: string; institution: string }[];
}

const decisionsTotal =
  (register.getSingleMetric('medshare_access_decisions_total') as Counter<'effect' | 'status' | 'break_glass'> | undefined) ??
  new Counter({
    name: 'medshare_access_decisions_total',
    help: 'Access decisions recorded, by effect, HTTP status and break-glass',
    labelNames: ['effect', 'status', 'break_glass'],
  });

const PURPOSES = new Set(['TREAT', 'ETREAT', 'HPAYMT', 'HOPERAT', 'HRESCH', 'PUBHLTH']);
const MAX_REASON = 500;

export class AccessAuditPublisher implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly publisher: EventPublisher,
    private readonly reasons: BreakGlassReasons,
    /** No answer leaves before its decision is on the log; with Kafka away it is a 503 within this bound, not a hang. */
    private readonly publishDeadlineMs: number,
    /**
     * Producers of their own for decisions and disclosures: one producer keeps one request per broker on the wire
     * (kafkajs' idempotent producer), so a read's decision and disclosure were acknowledged one after the other
     * whenever their partitions had the same leader, and every answer's decision waited behind whatever else the
     * shared producer had in flight on that broker (decrypt requests, submissions, heartbeats).
     */
    private readonly disclosures: EventPublisher,
    private readonly decisions: EventPublisher,
  ) {}

  async onModuleInit(): Promise<void> {
    await Promise.all([this.disclosures.connect(), this.decisions.connect()]);
  }

  /** After the shared publisher's peers: requests still in flight at a stop have answered by then. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.disclosures.disconnect(), this.decisions.disconnect()]);
  }

  /** Resolves once Kafka acknowledged the decision (and the alert for break-glass): only then may an answer leave. */
  async decided(record: DecisionRecord): Promise<void> {
    const reason =
      record.breakGlassReason === undefined
        ? undefined
        : await this.reasons.protect(record.decisionId, record.requester.institution, record.patient, record.breakGlassReason.slice(0, 1000));
    const data: EventData<'access.decision.v1'> = {
      decisionId: record.decisionId,
      requester: record.requester,
      ...(record.patient && { patient: record.patient }),
      purpose: record.purpose.slice(0, 32),
      effect: record.effect,
      httpStatus: record.httpStatus,
      reasons: record.reasons.slice(0, 100).map((reason) => reason.slice(0, MAX_REASON)),
      ...(record.decidingConsent && { decidingConsent: record.decidingConsent }),
      ...(record.decidingRule && { decidingRule: record.decidingRule.slice(0, 200) }),
      breakGlass: record.breakGlass,
      ...(reason && { breakGlassReasonHash: reason.hash, ...(reason.sealed && { breakGlassReasonSealed: reason.sealed }) }),
      withheldResourceTypes: [...record.withheldResourceTypes],
      requestedResourceTypes: [...record.requestedResourceTypes],
      ...(record.pendingResourceTypes && record.pendingResourceTypes.length > 0 && { pendingResourceTypes: [...record.pendingResourceTypes] }),
      ...(PURPOSES.has(record.purpose) && { purposeOfUse: record.purpose as RequestPurpose }),
    };
    // The decisions topic is keyed by patient; a refusal before the patient is known is keyed by the requester.
    const subject = record.patient ?? record.requester.institution;
    const decision = envelope('access.decision.v1', SERVICE_SOURCE, data, { subject });
    const publishing = [this.send(topics.accessDecisions, [decision], this.decisions)];
    if (record.breakGlass) publishing.push(this.send(topics.governanceAlerts, [this.breakGlassAlert(record, decision)]));
    await Promise.all(publishing);
    decisionsTotal.inc({ effect: record.effect, status: String(record.httpStatus), break_glass: String(record.breakGlass) });
  }

  async disclosed(record: DisclosureRecord): Promise<void> {
    if (record.records.length === 0) return;
    const event = envelope(
      'records.disclosed.v1',
      SERVICE_SOURCE,
      {
        decisionId: record.decisionId,
        requester: record.requester,
        patient: record.patient,
        purpose: record.purpose,
        breakGlass: record.breakGlass,
        deIdentified: record.deIdentified,
        records: [...record.records],
      },
      { subject: record.patient },
    );
    await this.send(topics.recordsDisclosed, [event], this.disclosures);
  }

  /** Free text never goes into alerts: the decision event carries the reason's hash and sealed copy. */
  /** A publish that fails or outlives the deadline is an unknown outcome: the request is answered 503, never a disclosure. */
  private async send<TTopic extends TopicSpec>(topic: TTopic, events: readonly EventOn<TTopic>[], publisher = this.publisher): Promise<void> {
    try {
      await publisher.publish(topic, events, { deadlineMs: this.publishDeadlineMs });
    } catch {
      const unavailable = new AccessControlError(
        AccessControlErrorCode.Unavailable,
        'the event log did not acknowledge the decision in time: nothing was disclosed, try again',
      );
      unavailable.headers['Retry-After'] = '2';
      throw unavailable;
    }
  }

  private breakGlassAlert(record: DecisionRecord, decision: MedshareEvent): EventOf<'governance.alert.v1'> {
    const institution = /^[a-z0-9][a-z0-9-]{1,62}$/.test(record.requester.institution) ? record.requester.institution : undefined;
    return envelope(
      'governance.alert.v1',
      SERVICE_SOURCE,
      {
        alertId: randomUUID(),
        kind: 'break-glass',
        severity: record.effect === 'permit' ? 'critical' : 'warning',
        summary: `break-glass (ETREAT) ${record.effect === 'permit' ? 'permitted' : 'refused'} for practitioner ${record.requester.practitioner} of ${record.requester.institution}`,
        ...(institution && { institution }),
        details: {
          decisionId: record.decisionId,
          practitioner: record.requester.practitioner,
          effect: record.effect,
          reasonGiven: (record.breakGlassReason ?? '').trim() !== '',
          ...(record.patient && { patient: record.patient }),
        },
      },
      { cause: decision },
    );
  }
}
