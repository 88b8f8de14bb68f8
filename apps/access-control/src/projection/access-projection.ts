// The state decisions read, in memory: consents, agreements, practitioner roles and which institution holds
// which resource types of which patient, and which identifier pseudonym names which patient, built by applying
// consent, grants, records.encrypted and identity.linked events.
import { AgreementIndex, ConsentIndex, parseAgreement, parseConsent, type AccessState, type RegisteredPractitioner } from '@medshare/consent';
import type { MedshareEvent } from '@medshare/contracts';
import { sealingKeyId } from '@medshare/crypto';

/** The encryption service's newest sealing public key (keys.sealing-key-rotated.v1), to seal break-glass reasons to. */
export interface SealingPublicKey {
  keyId: string;
  publicKeyB64: string;
}

/** Where an applied event came from: the topic (with its position) or this instance's own acknowledged publish. */
export type EventSource = { kind: 'topic'; topic: string; partition: number; offset: bigint } | { kind: 'local' };

/**
 * applied: state changed; stale: an older version than the one held (replay, or a topic copy of a local write);
 * conflict: the id belongs to another institution or patient (first owner wins); invalid: no longer parses.
 */
export type ApplyOutcome = 'applied' | 'stale' | 'conflict' | 'invalid' | 'ignored';

type Version =
  | { kind: 'topic'; topic: string; partition: number; offset: bigint; eventId: string }
  /** Applied on acknowledgement, before this instance's consumer delivered it: newer than anything the topic has shown. */
  | { kind: 'pending'; eventId: string };

/** How many recently delivered event ids are remembered to recognise a late local apply of an already consumed event. */
const RECENT_EVENTS = 10_000;

export class AccessProjection implements AccessState {
  readonly consents = new ConsentIndex();
  readonly agreements = new AgreementIndex();
  readonly practitioners = new Map<string, RegisteredPractitioner>();
  /** patient → holding institution → resource types held. */
  private readonly holdings = new Map<string, Map<string, Set<string>>>();
  /** identifier pseudonym → the patient pseudonym ingestion filed its records under (identity.linked). */
  private readonly identityLinks = new Map<string, string>();
  private readonly consentOwners = new Map<string, { institution: string; patient: string }>();
  private readonly agreementHolders = new Map<string, string>();
  /** A client id's pseudonym → the platform id minted for it (first recorded wins). */
  private readonly clientRefs = new Map<string, string>();
  private readonly versions = new Map<string, Version>();
  private readonly recentlyDelivered = new Set<string>();
  private sealingKey?: SealingPublicKey;

  /** `sealingKeySource`: the only event source whose sealing-key announcements are trusted. */
  constructor(private readonly sealingKeySource: string) {}

  /** Undefined until the trusted encryption deployment announced a key. */
  get currentSealingKey(): SealingPublicKey | undefined {
    return this.sealingKey;
  }

  get consentCount(): number {
    return this.consents.size;
  }

  apply(event: MedshareEvent, source: EventSource): ApplyOutcome {
    switch (event.type) {
      case 'records.encrypted.v1':
        this.hold(event.data.patient, event.data.institution, event.data.resourceType);
        return 'applied';
      case 'ingest.sealed.v1':
        // Acknowledged by ingestion: the institution holds these records, even before they are readable.
        for (const { resourceType } of event.data.records) this.hold(event.data.patient, event.data.institution, resourceType);
        return 'applied';
      case 'identity.linked.v1':
        for (const { identifier, patient } of event.data.links) this.link(identifier, patient);
        return 'applied';
      case 'consent.recorded.v1': {
        const { institution, patient, consentId, clientRef } = event.data;
        const owner = this.consentOwners.get(consentId);
        if (owner && (owner.institution !== institution || owner.patient !== patient)) return 'conflict';
        if (!this.claims(clientRef, consentId)) return 'conflict';
        return this.versioned(`consent:${consentId}`, event.id, source, () => {
          const parsed = parseConsent(event.data.consent);
          if (!parsed.ok || parsed.consent.id !== consentId || parsed.consent.patient !== patient) return false;
          this.consentOwners.set(consentId, { institution, patient });
          if (clientRef !== undefined) this.clientRefs.set(clientRef, consentId);
          this.consents.put(parsed.consent);
          return true;
        });
      }
      case 'grants.agreement-recorded.v1': {
        const { agreementId, clientRef } = event.data;
        const parsed = parseAgreement(event.data.agreement);
        if (!parsed.ok || parsed.agreement.id !== agreementId) return 'invalid';
        const holder = this.agreementHolders.get(agreementId);
        if (holder !== undefined && holder !== parsed.agreement.holder) return 'conflict';
        if (!this.claims(clientRef, agreementId)) return 'conflict';
        return this.versioned(`agreement:${agreementId}`, event.id, source, () => {
          this.agreementHolders.set(agreementId, parsed.agreement.holder);
          if (clientRef !== undefined) this.clientRefs.set(clientRef, agreementId);
          this.agreements.put(parsed.agreement);
          return true;
        });
      }
      case 'grants.role-registered.v1': {
        const { institution, practitioner, role } = event.data;
        const registered = this.practitioners.get(practitioner);
        if (registered && registered.institution !== institution) return 'conflict';
        return this.versioned(`role:${practitioner}`, event.id, source, () => {
          this.practitioners.set(practitioner, { institution, role });
          return true;
        });
      }
      case 'keys.sealing-key-rotated.v1': {
        const { keyId, publicKey } = event.data;
        if (event.source !== this.sealingKeySource) return 'ignored';
        if (sealingKeyId(Buffer.from(publicKey, 'base64')) !== keyId) return 'invalid';
        // The keys topic has one partition: the last announcement applied is the newest.
        this.sealingKey = { keyId, publicKeyB64: publicKey };
        return 'applied';
      }
      default:
        return 'ignored';
    }
  }

  /** Institutions that hold at least one record of the patient. */
  holdersOf(patient: string): string[] {
    return [...(this.holdings.get(patient)?.keys() ?? [])].sort();
  }

  /** Resource types the given holders have of the patient. */
  resourceTypesHeld(patient: string, holders: Iterable<string>): string[] {
    const byHolder = this.holdings.get(patient);
    const types = new Set<string>();
    for (const holder of holders) for (const type of byHolder?.get(holder) ?? []) types.add(type);
    return [...types].sort();
  }

  /** The patient an identifier pseudonym names: its link if ingestion made one, else the pseudonym itself. */
  patientOf(identifier: string): string {
    return this.identityLinks.get(identifier) ?? identifier;
  }

  /** Ingestion never changes a link once made, so the first one applied stands (a replay changes nothing). */
  link(identifier: string, patient: string): void {
    if (!this.identityLinks.has(identifier)) this.identityLinks.set(identifier, patient);
  }

  /** The platform id minted for a client id (by its pseudonym), if it was recorded before. */
  platformIdOf(clientRef: string): string | undefined {
    return this.clientRefs.get(clientRef);
  }

  /** The owner of a consent, if recorded: a re-submission may not move it to another patient. */
  consentOwner(consentId: string): { institution: string; patient: string } | undefined {
    return this.consentOwners.get(consentId);
  }

  /** Records are immutable facts: holdings only grow, and applying one twice changes nothing. */
  hold(patient: string, institution: string, resourceType: string): void {
    let byHolder = this.holdings.get(patient);
    if (!byHolder) this.holdings.set(patient, (byHolder = new Map()));
    let types = byHolder.get(institution);
    if (!types) byHolder.set(institution, (types = new Set()));
    types.add(resourceType);
  }

  /**
   * A client id names one platform id: two first submissions of one id racing on two instances mint two ids, and
   * only the one recorded first stands (the other is a conflict, ignored everywhere alike).
   */
  private claims(clientRef: string | undefined, platformId: string): boolean {
    const claimed = clientRef === undefined ? undefined : this.clientRefs.get(clientRef);
    return claimed === undefined || claimed === platformId;
  }

  /**
   * Applies `change` only when the event is newer than the version held for `key`. Events of one key share a
   * partition (consents are keyed by patient, grants have one partition), so offsets order them.
   */
  private versioned(key: string, eventId: string, source: EventSource, change: () => boolean): ApplyOutcome {
    const current = this.versions.get(key);
    if (source.kind === 'local') {
      if (this.recentlyDelivered.has(eventId)) return 'stale';
      if (!change()) return 'invalid';
      this.versions.set(key, { kind: 'pending', eventId });
      return 'applied';
    }
    this.remember(eventId);
    if (current?.kind === 'pending') {
      // Until the topic delivers our own write, anything it delivers for this key is older than it.
      if (current.eventId === eventId) this.versions.set(key, { ...source, eventId });
      return 'stale';
    }
    if (current && current.topic === source.topic && current.partition === source.partition && current.offset >= source.offset) return 'stale';
    if (!change()) return 'invalid';
    this.versions.set(key, { ...source, eventId });
    return 'applied';
  }

  private remember(eventId: string): void {
    this.recentlyDelivered.add(eventId);
    if (this.recentlyDelivered.size > RECENT_EVENTS) {
      const oldest = this.recentlyDelivered.values().next().value;
      if (oldest !== undefined) this.recentlyDelivered.delete(oldest);
    }
  }
}
