// Consents, agreements and roles submitted over HTTP: validated strictly, published as events, and applied to
// this instance's memory as soon as Kafka acknowledged them (read-your-writes); other instances follow the topic.
import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import {
  checkConsentSubmitter,
  fromZodIssues,
  parseAgreement,
  parseConsent,
  PRACTITIONER_ROLES,
  recordableConsent,
  type Issue,
  type PatientConsent,
} from '@medshare/consent';
import { envelope, newEventId, topics, type MedshareEvent, type TopicSpec } from '@medshare/contracts';
import { EventPublisher } from '@medshare/messaging';
import { LOGGER, PlatformKeys, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import { AccessControlError, AccessControlErrorCode } from './access-control-error';
import type { Requester } from './auth/requester-authenticator';
import { ClientIds } from './client-ids';
import type { AccessControlConfig } from './config';
import { withPseudonymousPatient } from './consent-submission';
import { AccessProjection } from './projection/access-projection';

const roleRegistration = z.strictObject({
  practitioner: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'a practitioner id is 1-64 of [A-Za-z0-9-.]'),
  role: z.enum(PRACTITIONER_ROLES),
});

@Injectable()
export class Submissions {
  constructor(
    private readonly projection: AccessProjection,
    private readonly publisher: EventPublisher,
    private readonly keys: PlatformKeys,
    private readonly ids: ClientIds,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_CONFIG) private readonly config: AccessControlConfig,
  ) {}

  private get institutions(): ReadonlySet<string> {
    return new Set(this.keys.institutions);
  }

  async submitConsent(submitter: Requester, body: unknown): Promise<{ consent: Record<string, unknown>; patient: string }> {
    const { consent: resource, patient } = withPseudonymousPatient(body, submitter.institution, this.keys.pseudonymKey(), (identifier) =>
      this.projection.patientOf(identifier),
    );
    const intake = parseConsent(resource);
    if (!intake.ok) throw invalid(intake.issues);
    const consent: PatientConsent = intake.consent;
    const holding = checkConsentSubmitter(consent, submitter.institution, (p) => new Set(this.projection.holdersOf(p)));
    if (!holding.ok) throw new AccessControlError(AccessControlErrorCode.Forbidden, [{ text: holding.issue.diagnostics, expression: 'Consent.patient' }]);
    // The client's id stays only as its pseudonym: a re-submission of it updates the platform id minted the first time.
    const clientRef = this.ids.consentRef(submitter.institution, consent.id);
    const consentId = this.projection.platformIdOf(clientRef) ?? newEventId();
    const owner = this.projection.consentOwner(consentId);
    if (owner && owner.patient !== patient) {
      throw new AccessControlError(AccessControlErrorCode.Conflict, [
        { text: 'this consent id is already used for another patient', expression: 'Consent.id' },
      ]);
    }
    const institution = submitter.institution;
    const recorded = recordableConsent(consent.resource, {
      id: consentId,
      institutions: this.institutions,
      practitioner: (id) => this.ids.practitioner(id),
      reference: (type, id) => this.ids.reference(institution, type, id),
      text: (value) => this.ids.text(institution, value),
      code: (coding) => this.ids.code(coding),
    }) as unknown as Record<string, unknown>;
    const event = envelope('consent.recorded.v1', institution, { institution, patient, consentId, clientRef, consent: recorded }, { subject: patient });
    await this.publishAndApply(topics.consent, event);
    this.logger.info({ consentId, status: consent.status, institution }, 'consent recorded');
    return { consent: recorded, patient };
  }

  async submitAgreement(submitter: Requester, body: unknown): Promise<Record<string, unknown>> {
    const intake = parseAgreement(body);
    if (!intake.ok) throw invalid(intake.issues);
    const { agreement } = intake;
    if (agreement.holder !== submitter.institution) {
      throw new AccessControlError(AccessControlErrorCode.Forbidden, [
        { text: 'only the holder may record an agreement to share its records', expression: 'Agreement.holder' },
      ]);
    }
    // The reader is published as given: it must be an institution the platform registered, not a client's text.
    if (!this.institutions.has(agreement.reader)) {
      throw new AccessControlError(AccessControlErrorCode.InvalidInput, [
        { text: 'the reader is not an institution registered with medshare', expression: 'Agreement.reader' },
      ]);
    }
    // Scoped to the holder: another institution's identical id names another agreement.
    const clientRef = this.ids.agreementRef(agreement.holder, agreement.id);
    const agreementId = this.projection.platformIdOf(clientRef) ?? newEventId();
    const recorded = { ...(body as Record<string, unknown>), id: agreementId };
    const event = envelope('grants.agreement-recorded.v1', submitter.institution, { agreementId, clientRef, agreement: recorded });
    await this.publishAndApply(topics.grants, event);
    this.logger.info({ agreementId, holder: agreement.holder, reader: agreement.reader, status: agreement.status }, 'agreement recorded');
    return recorded;
  }

  async registerRole(submitter: Requester, body: unknown): Promise<{ institution: string; practitioner: string; role: string }> {
    const parsed = roleRegistration.safeParse(body);
    if (!parsed.success) throw invalid(fromZodIssues('Role', parsed.error.issues));
    const { role } = parsed.data;
    // Tokens name practitioners by the institution's own id; the platform only ever keeps its pseudonym.
    const practitioner = this.ids.practitioner(parsed.data.practitioner);
    const registered = this.projection.practitioners.get(practitioner);
    if (registered && registered.institution !== submitter.institution) {
      throw new AccessControlError(AccessControlErrorCode.Conflict, [
        { text: 'this practitioner id is registered by another institution', expression: 'Role.practitioner' },
      ]);
    }
    const data = { institution: submitter.institution, practitioner, role };
    await this.publishAndApply(topics.grants, envelope('grants.role-registered.v1', submitter.institution, data));
    this.logger.info({ practitioner: data.practitioner, role, institution: submitter.institution }, 'role registered');
    return data;
  }

  /** The answer waits for Kafka's acknowledgement; from then on this instance decides with the new state. */
  private async publishAndApply(topic: TopicSpec, event: MedshareEvent): Promise<void> {
    try {
      await this.publisher.publish(topic, [event], { deadlineMs: this.config.PUBLISH_TIMEOUT_MS });
    } catch (error) {
      this.logger.error({ eventId: event.id, type: event.type, error: error instanceof Error ? error.message : String(error) }, 'publish failed');
      const unavailable = new AccessControlError(
        AccessControlErrorCode.Unavailable,
        'the event log did not acknowledge the submission in time: try again (a retry updates the same record)',
      );
      unavailable.headers['Retry-After'] = '2';
      throw unavailable;
    }
    this.projection.apply(event, { kind: 'local' });
  }
}

function invalid(issues: readonly Issue[]): AccessControlError {
  const code = issues.some((issue) => issue.code === 'forbidden') ? AccessControlErrorCode.Forbidden : AccessControlErrorCode.InvalidInput;
  return new AccessControlError(
    code,
    issues.map((issue) => ({ text: issue.diagnostics, issueType: issue.code, ...(issue.expression[0] !== undefined && { expression: issue.expression[0] }) })),
  );
}
