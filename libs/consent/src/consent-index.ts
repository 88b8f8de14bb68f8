// Consents held in memory, by id and by patient pseudonym, so a decision touches one patient's few.
import { isDecisive, type PatientConsent } from './consent-rule';

const NONE: readonly PatientConsent[] = [];

export class ConsentIndex {
  private readonly byId = new Map<string, PatientConsent>();
  private readonly byPatient = new Map<string, PatientConsent[]>();
  // Kept beside byPatient so a decision reads the patient's decisive consents without filtering (or allocating).
  private readonly decisiveByPatient = new Map<string, PatientConsent[]>();

  get size(): number {
    return this.byId.size;
  }

  /** Adds a consent or replaces the one with its id (a new version, a revocation to `inactive`). */
  put(consent: PatientConsent): void {
    this.remove(consent.id);
    this.byId.set(consent.id, consent);
    this.setPatient(consent.patient, [...(this.byPatient.get(consent.patient) ?? []), consent]);
  }

  remove(id: string): void {
    const previous = this.byId.get(id);
    if (!previous) return;
    this.byId.delete(id);
    this.setPatient(
      previous.patient,
      (this.byPatient.get(previous.patient) ?? []).filter((c) => c.id !== id),
    );
  }

  get(id: string): PatientConsent | undefined {
    return this.byId.get(id);
  }

  /** The patient's active patient-privacy consents: the only ones that decide anything. */
  decisiveFor(patient: string): readonly PatientConsent[] {
    return this.decisiveByPatient.get(patient) ?? NONE;
  }

  private setPatient(patient: string, consents: PatientConsent[]): void {
    const decisive = consents.filter(isDecisive);
    if (consents.length > 0) this.byPatient.set(patient, consents);
    else this.byPatient.delete(patient);
    if (decisive.length > 0) this.decisiveByPatient.set(patient, decisive);
    else this.decisiveByPatient.delete(patient);
  }
}
