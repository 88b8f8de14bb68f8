// The recordable Consent: nothing the client chose or wrote survives, and the decision it compiles to is the same.
import { parseConsent } from './consent-intake';
import { recordableConsent, type PlatformNames } from './consent-record';
import { SYSTEM } from './terminology';

const CANARY = 'Canary-Jane-Doe';
const RECORD_ID = '019aa1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b';
const submitted = {
  resourceType: 'Consent',
  id: `c-${CANARY}`,
  meta: { versionId: `v-${CANARY}`, lastUpdated: '2025-01-02T03:04:05Z', security: [{ system: SYSTEM.confidentiality, code: 'R', display: CANARY }] },
  status: 'active',
  scope: { coding: [{ system: SYSTEM.consentScope, code: 'patient-privacy', display: CANARY }] },
  category: [{ coding: [{ system: SYSTEM.loinc, code: '59284-0', display: CANARY }] }],
  patient: { reference: 'Patient/p-abcdefghijklmnopqrstuvwxyz234567' },
  performer: [{ reference: `Patient/${CANARY}` }, { reference: 'Organization/hosp-a' }],
  organization: [{ reference: `Organization/${CANARY}` }],
  policy: [{ authority: `https://${CANARY}.example`, uri: `https://example.org/forms/${CANARY}.pdf` }],
  verification: [{ verified: true, verifiedWith: { reference: `RelatedPerson/${CANARY}` } }],
  provision: {
    type: 'permit',
    actor: [{ reference: { reference: `Practitioner/${CANARY}` } }, { reference: { reference: 'Organization/hosp-b' } }],
    purpose: [{ system: SYSTEM.actReason, code: 'TREAT', display: CANARY }],
    securityLabel: [
      { system: SYSTEM.actCode, code: 'HIV' },
      { system: `urn:${CANARY}:labels`, code: CANARY },
    ],
    provision: [
      {
        type: 'deny',
        actor: [{ reference: { reference: `Practitioner/dr-${CANARY}` } }],
        class: [{ system: SYSTEM.resourceTypes, code: 'Condition', display: CANARY }],
        code: [{ coding: [{ system: `https://${CANARY}.example/codes`, code: CANARY }] }],
        data: [
          { meaning: 'instance', reference: { reference: `Observation/${CANARY}` } },
          { meaning: 'instance', reference: { reference: `Observation/${RECORD_ID}` } },
        ],
      },
    ],
  },
};

const names: PlatformNames = {
  id: '019aa1b2-c3d4-7e5f-8a6b-000000000c01',
  institutions: new Set(['hosp-a', 'hosp-b']),
  practitioner: (id) => `pr-${id.length}`,
  reference: (type, id) => `rf-${type.length}-${id.length}`,
  text: (value) => `urn:medshare:pseudonym:tx-${value.length}`,
  code: ({ system, code }) => ({ system: `urn:medshare:pseudonym:cs-${system.length}`, code: `cd-${code.length}` }),
};

describe('recordableConsent', () => {
  const intake = parseConsent(submitted);
  if (!intake.ok) throw new Error('the submitted fixture must pass intake');
  const recorded = recordableConsent(intake.consent.resource, names);

  it("keeps nothing the client chose or wrote: ids, displays, policy text, version ids, people's ids", () => {
    expect(JSON.stringify(recorded)).not.toContain('Canary');
    expect(JSON.stringify(recorded)).not.toContain('display');
  });

  it('names the consent by the platform id and renames references, organisations and the patient pseudonym aside', () => {
    expect(recorded).toMatchObject({
      id: names.id,
      meta: { lastUpdated: '2025-01-02T03:04:05Z', security: [{ system: SYSTEM.confidentiality, code: 'R' }] },
      patient: submitted.patient,
      performer: [{ reference: 'Patient/rf-7-15' }, { reference: 'Organization/hosp-a' }],
      organization: [{ reference: 'Organization/rf-12-15' }],
      policy: [{ authority: 'urn:medshare:pseudonym:tx-31', uri: 'urn:medshare:pseudonym:tx-45' }],
      verification: [{ verified: true, verifiedWith: { reference: 'RelatedPerson/rf-13-15' } }],
      provision: { actor: [{ reference: { reference: 'Practitioner/pr-15' } }, { reference: { reference: 'Organization/hosp-b' } }] },
    });
    expect(recorded.provision?.provision?.[0]?.actor).toEqual([{ reference: { reference: 'Practitioner/pr-18' } }]);
  });

  it('still passes intake and compiles to the same decision tree, with practitioners under their platform names', () => {
    const again = parseConsent(recorded);
    expect(again.ok).toBe(true);
    if (!again.ok) return;
    expect(again.consent.root.effect).toBe('permit');
    expect(again.consent.root.actors).toEqual([{ practitioner: 'pr-15' }, { organization: 'hosp-b' }]);
    expect(again.consent.root.securityLabels).toEqual([
      { system: SYSTEM.actCode, code: 'HIV' },
      { system: 'urn:medshare:pseudonym:cs-26', code: 'cd-15' },
    ]);
    expect(again.consent.root.exceptions[0]).toMatchObject({
      effect: 'deny',
      resourceTypes: new Set(['Condition']),
      codes: [{ system: 'urn:medshare:pseudonym:cs-37', code: 'cd-15' }],
      // A platform record id stays (it can match); any other id is renamed (it matched nothing, and still does not).
      records: new Set(['Observation/rf-11-15', `Observation/${RECORD_ID}`]),
    });
  });
});
