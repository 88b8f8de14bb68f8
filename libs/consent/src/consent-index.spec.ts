// The consent index keeps each patient's decisive consents (active, patient-privacy) ready for decisions.
import { parseConsent } from './consent-intake';
import { ConsentIndex } from './consent-index';
import type { PatientConsent } from './consent-rule';
import { SYSTEM } from './terminology';

function consent(id: string, patient: string, status = 'active', scope = 'patient-privacy'): PatientConsent {
  const parsed = parseConsent({
    resourceType: 'Consent',
    id,
    status,
    scope: { coding: [{ system: SYSTEM.consentScope, code: scope }] },
    category: [{ coding: [{ system: SYSTEM.loinc, code: '59284-0' }] }],
    patient: { reference: `Patient/${patient}` },
    policy: [{ uri: 'https://fhir.medshare.example/policy/sharing' }],
    provision: { type: 'permit' },
  });
  if (!parsed.ok) throw new Error('test consent is invalid');
  return parsed.consent;
}

describe('ConsentIndex', () => {
  it('follows new versions, revocations and removals in the decisive consents of each patient', () => {
    const index = new ConsentIndex();
    index.put(consent('c-1', 'pt-1'));
    index.put(consent('c-2', 'pt-1', 'active', 'research'));
    index.put(consent('c-3', 'pt-1'));
    index.put(consent('c-4', 'pt-2'));
    expect(index.decisiveFor('pt-1').map((c) => c.id)).toEqual(['c-1', 'c-3']);
    index.put(consent('c-1', 'pt-1', 'inactive'));
    expect(index.decisiveFor('pt-1').map((c) => c.id)).toEqual(['c-3']);
    expect(index.get('c-1')?.status).toBe('inactive');
    index.remove('c-3');
    expect(index.decisiveFor('pt-1')).toEqual([]);
    expect(index.decisiveFor('pt-2').map((c) => c.id)).toEqual(['c-4']);
    expect(index.decisiveFor('pt-unknown')).toEqual([]);
    expect(index.size).toBe(3);
  });

  it('answers without building a new list per decision', () => {
    const index = new ConsentIndex();
    index.put(consent('c-1', 'pt-1'));
    expect(index.decisiveFor('pt-1')).toBe(index.decisiveFor('pt-1'));
  });
});
