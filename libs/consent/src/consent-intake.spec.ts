// Intake table: every strictness rule rejects with its FHIR issue code and location; valid consents compile.
import { checkConsentSubmitter, parseConsent } from './consent-intake';
import { SYSTEM } from './terminology';

type Json = Record<string, unknown>;
const valid = (): Json => ({
  resourceType: 'Consent',
  id: 'c-1',
  meta: { versionId: '2', lastUpdated: '2025-01-02T03:04:05Z', security: [{ system: SYSTEM.confidentiality, code: 'R' }] },
  status: 'active',
  scope: { coding: [{ system: SYSTEM.consentScope, code: 'patient-privacy' }] },
  category: [{ coding: [{ system: SYSTEM.loinc, code: '59284-0', display: 'Patient Consent' }] }],
  patient: { reference: 'Patient/pt-1' },
  dateTime: '2025-01-02',
  performer: [{ reference: 'Patient/pt-1' }],
  organization: [{ reference: 'Organization/hosp-a' }],
  policy: [{ uri: 'https://fhir.medshare.example/policy/sharing' }],
  policyRule: { coding: [{ system: SYSTEM.actCode, code: 'OPTIN' }] },
  verification: [{ verified: true, verifiedWith: { reference: 'Patient/pt-1' }, verificationDate: '2025-01-02' }],
  provision: {
    type: 'permit',
    period: { start: '2025-01-01', end: '2026' },
    actor: [{ role: { coding: [{ system: SYSTEM.medshareRole, code: 'physician' }] }, reference: { reference: 'Organization/hosp-b' } }],
    action: [{ coding: [{ system: SYSTEM.consentAction, code: 'access' }] }],
    purpose: [{ system: SYSTEM.actReason, code: 'TREAT' }],
    class: [{ system: SYSTEM.resourceTypes, code: 'Observation' }],
    code: [{ coding: [{ system: 'http://loinc.org', code: '2339-0' }] }],
    dataPeriod: { start: '2020-01-01T00:00:00+01:00' },
    data: [{ meaning: 'instance', reference: { reference: 'Observation/obs-1' } }],
    provision: [
      {
        type: 'deny',
        securityLabel: [
          { system: SYSTEM.actCode, code: 'HIV' },
          { system: 'urn:example:labels', code: 'VIP' },
        ],
      },
    ],
  },
});

/** Applies an edit to a fresh valid consent. */
function edited(edit: (c: Json & { provision: Json }) => void): Json {
  const c = valid() as Json & { provision: Json };
  edit(c);
  return c;
}

const rejections: [string, Json | unknown, string, string][] = [
  ['not an object', 'Consent', 'structure', 'Consent'],
  [
    'another resource type',
    edited((c) => {
      c['resourceType'] = 'Contract';
    }),
    'code-invalid',
    'Consent.resourceType',
  ],
  [
    'an STU3-style top-level period',
    edited((c) => {
      c['period'] = { end: '2020' };
    }),
    'structure',
    'Consent.period',
  ],
  [
    'an unknown element inside a provision',
    edited((c) => {
      c.provision['except'] = [{ type: 'deny' }];
    }),
    'structure',
    'Consent.provision.except',
  ],
  [
    'a modifierExtension',
    edited((c) => {
      c['modifierExtension'] = [{ url: 'urn:x', valueBoolean: true }];
    }),
    'structure',
    'Consent.modifierExtension',
  ],
  [
    'narrative text (could carry names)',
    edited((c) => {
      c['text'] = { status: 'generated', div: '<div/>' };
    }),
    'structure',
    'Consent.text',
  ],
  [
    'a reference display (could carry a name)',
    edited((c) => {
      c['patient'] = { reference: 'Patient/pt-1', display: 'Jane Doe' };
    }),
    'structure',
    'Consent.patient.display',
  ],
  [
    'an empty array',
    edited((c) => {
      c['performer'] = [];
    }),
    'value',
    'Consent.performer',
  ],
  [
    'an empty object',
    edited((c) => {
      c['verification'] = [{}];
    }),
    'value',
    'Consent.verification[0]',
  ],
  [
    'an empty string',
    edited((c) => {
      c['dateTime'] = '';
    }),
    'value',
    'Consent.dateTime',
  ],
  [
    'a blank string',
    edited((c) => {
      (c['policy'] as Json[])[0]!['uri'] = '  ';
    }),
    'value',
    'Consent.policy[0].uri',
  ],
  [
    'a null',
    edited((c) => {
      c['dateTime'] = null;
    }),
    'value',
    'Consent.dateTime',
  ],
  [
    'a wrong-case status',
    edited((c) => {
      c['status'] = 'Active';
    }),
    'code-invalid',
    'Consent.status',
  ],
  [
    'an unknown scope code',
    edited((c) => {
      c['scope'] = { coding: [{ system: SYSTEM.consentScope, code: 'privacy' }] };
    }),
    'code-invalid',
    'Consent.scope.coding[0].code',
  ],
  [
    'two scope codings',
    edited((c) => {
      c['scope'] = {
        coding: [
          { system: SYSTEM.consentScope, code: 'patient-privacy' },
          { system: SYSTEM.consentScope, code: 'research' },
        ],
      };
    }),
    'invariant',
    'Consent.scope.coding',
  ],
  [
    'a wrong-case purpose code',
    edited((c) => {
      c.provision['purpose'] = [{ system: SYSTEM.actReason, code: 'treat' }];
    }),
    'code-invalid',
    'Consent.provision.purpose[0].code',
  ],
  [
    'an ActReason code that is not a purpose of use',
    edited((c) => {
      c.provision['purpose'] = [{ system: SYSTEM.actReason, code: 'OVRER' }];
    }),
    'code-invalid',
    'Consent.provision.purpose[0].code',
  ],
  [
    'a wrong-case code system',
    edited((c) => {
      c.provision['purpose'] = [{ system: 'http://terminology.hl7.org/CodeSystem/v3-actreason', code: 'TREAT' }];
    }),
    'code-invalid',
    'Consent.provision.purpose[0].system',
  ],
  [
    'an unknown confidentiality code',
    edited((c) => {
      c.provision['securityLabel'] = [{ system: SYSTEM.confidentiality, code: 'X' }];
    }),
    'code-invalid',
    'Consent.provision.securityLabel[0].code',
  ],
  [
    'a wrong-case sensitivity code',
    edited((c) => {
      c.provision['securityLabel'] = [{ system: SYSTEM.actCode, code: 'hiv' }];
    }),
    'code-invalid',
    'Consent.provision.securityLabel[0].code',
  ],
  [
    'a pre-R4 confidentiality system',
    edited((c) => {
      c.provision['securityLabel'] = [{ system: 'http://hl7.org/fhir/v3/Confidentiality', code: 'R' }];
    }),
    'code-invalid',
    'Consent.provision.securityLabel[0].system',
  ],
  [
    'a label system that is not an absolute URI',
    edited((c) => {
      c.provision['securityLabel'] = [{ system: 'labels', code: 'VIP' }];
    }),
    'value',
    'Consent.provision.securityLabel[0].system',
  ],
  [
    'a class that is not an exact R4 resource type',
    edited((c) => {
      c.provision['class'] = [{ system: SYSTEM.resourceTypes, code: 'observation' }];
    }),
    'code-invalid',
    'Consent.provision.class[0].code',
  ],
  [
    'an unknown action',
    edited((c) => {
      c.provision['action'] = [{ coding: [{ system: SYSTEM.consentAction, code: 'read' }] }];
    }),
    'code-invalid',
    'Consent.provision.action[0].coding[0].code',
  ],
  [
    'an unknown medshare role',
    edited((c) => {
      c.provision['actor'] = [{ role: { coding: [{ system: SYSTEM.medshareRole, code: 'Physician' }] } }];
    }),
    'code-invalid',
    'Consent.provision.actor[0].role.coding[0].code',
  ],
  [
    'a participation code medshare does not use',
    edited((c) => {
      c.provision['actor'] = [{ role: { coding: [{ system: SYSTEM.participationType, code: 'AUT' }] } }];
    }),
    'code-invalid',
    'Consent.provision.actor[0].role.coding[0].code',
  ],
  [
    'an actor with neither reference nor role',
    edited((c) => {
      c.provision['actor'] = [{ who: { reference: 'Organization/hosp-b' } }];
    }),
    'invariant',
    'Consent.provision.actor[0]',
  ],
  [
    'an actor referencing a CareTeam',
    edited((c) => {
      c.provision['actor'] = [{ reference: { reference: 'CareTeam/t1' } }];
    }),
    'value',
    'Consent.provision.actor[0].reference.reference',
  ],
  [
    'a nested provision without type',
    edited((c) => {
      c.provision['provision'] = [{ class: [{ system: SYSTEM.resourceTypes, code: 'Condition' }] }];
    }),
    'required',
    'Consent.provision.provision[0].type',
  ],
  [
    'a grand-child provision without type',
    edited((c) => {
      c.provision['provision'] = [{ type: 'deny', provision: [{ purpose: [{ system: SYSTEM.actReason, code: 'HRESCH' }] }] }];
    }),
    'required',
    'Consent.provision.provision[0].provision[0].type',
  ],
  [
    'no patient',
    edited((c) => {
      delete c['patient'];
    }),
    'required',
    'Consent.patient',
  ],
  [
    'a patient reference to something else',
    edited((c) => {
      c['patient'] = { reference: 'Group/g1' };
    }),
    'value',
    'Consent.patient.reference',
  ],
  [
    'no category',
    edited((c) => {
      delete c['category'];
    }),
    'required',
    'Consent.category',
  ],
  [
    'neither policy nor policyRule',
    edited((c) => {
      delete c['policy'];
      delete c['policyRule'];
    }),
    'invariant',
    'Consent',
  ],
  [
    'a root with neither type nor policyRule',
    edited((c) => {
      delete c['policyRule'];
      delete c.provision['type'];
    }),
    'invariant',
    'Consent.provision',
  ],
  [
    'no provision and no policyRule',
    edited((c) => {
      delete c['policyRule'];
      delete (c as Json)['provision'];
    }),
    'invariant',
    'Consent',
  ],
  [
    'a policyRule medshare gives no meaning',
    edited((c) => {
      c['policyRule'] = { coding: [{ system: SYSTEM.actCode, code: 'OPTINR' }] };
    }),
    'code-invalid',
    'Consent.policyRule.coding[0].code',
  ],
  [
    'a dateTime with a time but no offset',
    edited((c) => {
      c.provision['period'] = { start: '2025-01-01T10:00:00' };
    }),
    'value',
    'Consent.provision.period.start',
  ],
  [
    'an impossible date',
    edited((c) => {
      c['dateTime'] = '2025-02-30';
    }),
    'value',
    'Consent.dateTime',
  ],
  [
    'a period that ends before it starts',
    edited((c) => {
      c.provision['period'] = { start: '2026', end: '2025' };
    }),
    'invariant',
    'Consent.provision.period',
  ],
  [
    'a lastUpdated that is a date, not an instant',
    edited((c) => {
      c['meta'] = { lastUpdated: '2025-01-02' };
    }),
    'value',
    'Consent.meta.lastUpdated',
  ],
  [
    'a data reference with meaning other than instance',
    edited((c) => {
      c.provision['data'] = [{ meaning: 'related', reference: { reference: 'Observation/o1' } }];
    }),
    'code-invalid',
    'Consent.provision.data[0].meaning',
  ],
  [
    'a wrong type for verified',
    edited((c) => {
      c['verification'] = [{ verified: 'yes' }];
    }),
    'structure',
    'Consent.verification[0].verified',
  ],
];

describe('parseConsent rejects', () => {
  it.each(rejections)('%s', (_name, json, code, expression) => {
    const result = parseConsent(json);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toContainEqual(expect.objectContaining({ severity: 'error', code, expression: [expression] }));
    for (const i of result.issues) expect(i.diagnostics.length).toBeGreaterThan(0);
  });
});

describe("parseConsent answers with codes and element paths, never with the caller's values", () => {
  const CANARY = 'Zyx-Canary-4711';
  it.each([
    [
      'an invented element name',
      edited((c) => {
        (c as Json)[CANARY] = 'x';
        c.provision[`${CANARY}2`] = '';
      }),
    ],
    [
      'an unknown code of a known system',
      edited((c) => {
        c.provision['securityLabel'] = [{ system: SYSTEM.confidentiality, code: CANARY }];
      }),
    ],
    [
      'an unknown system',
      edited((c) => {
        c.provision['purpose'] = [{ system: `https://${CANARY}.example`, code: 'TREAT' }];
      }),
    ],
    [
      'a status code',
      edited((c) => {
        c['status'] = CANARY;
      }),
    ],
    [
      'a record reference',
      edited((c) => {
        c.provision['data'] = [{ meaning: 'instance', reference: { reference: `Observation/${CANARY}/x` } }];
      }),
    ],
    [
      'a dateTime',
      edited((c) => {
        c['dateTime'] = `2025-01-01T10:00:00 ${CANARY}`;
      }),
    ],
    [
      'a lastUpdated',
      edited((c) => {
        c['meta'] = { lastUpdated: `${CANARY}` };
      }),
    ],
  ])('%s', (_name, json) => {
    const result = parseConsent(json);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain('Canary');
  });

  it('refuses JSON nested deeper than any consent before walking it (no stack overflow)', () => {
    let provision: Json = { type: 'deny' };
    for (let level = 0; level < 5_000; level++) provision = { type: 'permit', provision: [provision] };
    const result = parseConsent(
      edited((c) => {
        (c as Json)['provision'] = provision;
      }),
    );
    expect(result).toEqual({ ok: false, issues: [expect.objectContaining({ code: 'structure', expression: ['Consent'] })] });
  });
});

describe('parseConsent reports every problem in one answer', () => {
  it('lists schema, empty-element and cross-element issues together', () => {
    const result = parseConsent(
      edited((c) => {
        c['status'] = 'Active';
        c['category'] = [];
        delete c['policy'];
        delete c['policyRule'];
        c.provision['provision'] = [{ class: [{ system: SYSTEM.resourceTypes, code: 'Condition' }] }];
      }),
    );
    expect(result.ok ? [] : result.issues.map((i) => `${i.code} ${i.expression[0]}`).sort()).toEqual([
      'code-invalid Consent.status',
      'invariant Consent',
      'required Consent.provision.provision[0].type',
      'value Consent.category',
    ]);
  });
});

describe('parseConsent accepts and compiles', () => {
  it('keeps every supported element and compiles the tree', () => {
    const result = parseConsent(valid());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { consent } = result;
    expect(consent).toMatchObject({ id: 'c-1', patient: 'pt-1', status: 'active', scope: 'patient-privacy' });
    expect(consent.root).toMatchObject({
      path: 'provision',
      effect: 'permit',
      appliesToReads: true,
      purposes: ['TREAT'],
      actors: [{ organization: 'hosp-b', role: 'physician' }],
      period: { start: Date.UTC(2025, 0, 1), end: Date.UTC(2027, 0, 1) - 1 },
      dataPeriod: { start: Date.UTC(2019, 11, 31, 23), end: Infinity },
    });
    expect([...consent.root.records!]).toEqual(['Observation/obs-1']);
    expect(consent.root.exceptions[0]).toMatchObject({ path: 'provision.provision[0]', effect: 'deny' });
  });

  it.each([
    ['OPTIN gives a typeless root permit', 'OPTIN', 'permit'],
    ['OPTOUT gives a typeless root deny', 'OPTOUT', 'deny'],
  ])('%s', (_name, rule, effect) => {
    const result = parseConsent(
      edited((c) => {
        c['policyRule'] = { coding: [{ system: SYSTEM.actCode, code: rule }] };
        delete c.provision['type'];
      }),
    );
    expect(result.ok && result.consent.root.effect).toBe(effect);
  });
});

describe('checkConsentSubmitter', () => {
  const parsed = parseConsent(valid());
  const holders = () => new Set(['hosp-a']);
  it.each([
    ['the holding institution may submit', 'hosp-a', true],
    ['another institution may not (403)', 'hosp-z', false],
  ])('%s', (_name, submitter, ok) => {
    if (!parsed.ok) throw new Error('fixture must parse');
    const result = checkConsentSubmitter(parsed.consent, submitter, holders);
    expect(result.ok).toBe(ok);
    if (!result.ok) expect(result.issue).toMatchObject({ code: 'forbidden', expression: ['Consent.patient'] });
  });
});
