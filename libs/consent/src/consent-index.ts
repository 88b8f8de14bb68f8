// Consents held in memory, by id and by patient pseudonym, so a decision touches one patient's few.
import { isDecisive, type PatientConsent } from './consent-rule';

export class ConsentIndex {
  private readonly byId = new Map<string, PatientConsent>();
  private readonly byPatient = new Map<string, PatientConsent[]>();

  get size(): number {
    return this.byId.size;
  }

  /** Adds a consent or replaces the one with its id (a new version, a revocation to `inactive`). */
  put(consent: PatientConsent): void {
    this.remove(consent.id);
    this.byId.set(consent.id, consent);
    this.byPatient.set(consent.patient, [...(this.byPatient.get(consent.patient) ?? []), consent]);
  }

  remove(id: string): void {
    const previous = this.byId.get(id);
    if (!previous) return;
    this.byId.delete(id);
    const rest = (this.byPatient.get(previous.patient) ?? []).filter((c) => c.id !== id);
    if (rest.length > 0) this.byPatient.set(previous.patient, rest);
    else this.byPatient.delete(previous.patient);
  }

  get(id: string): PatientConsent | undefined {
    return this.byId.get(id);
  }

  /** The patient's active patient-privacy consents: the only ones that decide anything. */
  decisiveFor(patient: string): readonly PatientConsent[] {
    return (this.byPatient.get(patient) ?? []).filter(isDecisive);
  }
}
