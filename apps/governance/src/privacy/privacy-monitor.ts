// Runs the privacy rules over a batch of access decisions against the shared state, and keeps that state fed
// with tokens, roles and care relationships from the other topics.
import { envelope, type EventOf, type MedshareEvent } from '@medshare/contracts';
import { accessFactOf, type AccessFact } from './access-fact';
import { assessRelations, assessWindow, contributionsOf, type Finding, type PrivacyLimits } from './privacy-rules';
import { PrivacyStateRepository } from './privacy-state.repository';

export const PRIVACY_SOURCE = 'governance';
const DAY_MS = 24 * 60 * 60 * 1000;

export class PrivacyMonitor {
  constructor(
    private readonly state: PrivacyStateRepository,
    private readonly limits: PrivacyLimits,
  ) {}

  /** Feeds state events to the state and decisions to the rules; returns the findings (ids derived, so repeatable). */
  async observe(events: readonly MedshareEvent[]): Promise<Finding[]> {
    await this.remember(events);
    const facts = events.map(accessFactOf).filter((fact): fact is AccessFact => fact !== undefined);
    if (facts.length === 0) return [];
    return [...(await this.windowFindings(facts)), ...(await this.relationFindings(facts))];
  }

  private async windowFindings(facts: readonly AccessFact[]): Promise<Finding[]> {
    const triggers = new Map<string, AccessFact>();
    const peerGroups = new Map<string, string>();
    const contributions = facts.flatMap((fact) =>
      contributionsOf(fact, this.limits).map((contribution) => {
        const id = `${contribution.counter}\n${contribution.key}\n${contribution.bucket}`;
        const newest = triggers.get(id);
        if (!newest || newest.at <= fact.at) triggers.set(id, fact);
        if (contribution.peerGroup !== '') peerGroups.set(id, contribution.peerGroup);
        return contribution;
      }),
    );
    const floor = Math.min(this.limits.baseline.minPatients, this.limits.peers.minPatients);
    const findings: Finding[] = [];
    for (const window of await this.state.count(contributions)) {
      const id = `${window.counter}\n${window.key}\n${window.bucket}`;
      const trigger = triggers.get(id)!;
      const needsBaselines = window.counter === 'patients' && window.count >= floor;
      const baselines = needsBaselines
        ? await this.state.baselines(window.key, peerGroups.get(id) ?? '', window.bucket - this.limits.baseline.days * DAY_MS, window.bucket)
        : undefined;
      findings.push(...assessWindow({ ...window, trigger }, this.limits, baselines));
    }
    return findings;
  }

  private async relationFindings(facts: readonly AccessFact[]): Promise<Finding[]> {
    const contexts = await this.state.relations(facts);
    return facts.flatMap((fact) => assessRelations(fact, contexts.get(fact.id)!, this.limits));
  }

  private async remember(events: readonly MedshareEvent[]): Promise<void> {
    const of = <T extends MedshareEvent['type']>(type: T) => events.filter((event): event is EventOf<T> => event.type === type);
    await this.state.recordPatientTokens(of('identity.patient-tokens.v1').map((event) => event.data));
    await this.state.recordPractitionerTokens(of('identity.practitioner-tokens.v1').map((event) => event.data));
    await this.state.recordRoles(of('grants.role-registered.v1').map(({ id, time, data }) => ({ eventId: id, at: time, ...data })));
    await this.state.recordCare(of('records.encrypted.v1').map(({ data }) => ({ institution: data.institution, patient: data.patient, at: data.eventTime })));
  }
}

/** The alert event of a finding: its time is the trigger's, its cause the triggering decision. */
export function findingEvent(finding: Finding): EventOf<'governance.alert.v1'> {
  const { alertId, kind, severity, summary, institution, details, practitioner, patient, trigger, at } = finding;
  return envelope(
    'governance.alert.v1',
    PRIVACY_SOURCE,
    {
      alertId,
      kind,
      severity,
      summary,
      institution,
      details: { ...details, ...(practitioner === undefined ? {} : { practitioner }), ...(patient === undefined ? {} : { patient }) },
    },
    { cause: trigger, time: new Date(at) },
  );
}
