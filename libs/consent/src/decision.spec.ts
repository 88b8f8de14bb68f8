// Scenario table for decide + filterRecords: every rule of docs/consent.md, asserted on the exact records returned.
import { AgreementIndex, parseAgreement } from './agreement';
import type { AccessRequest } from './access-request';
import { parseConsent } from './consent-intake';
import { ConsentIndex } from './consent-index';
import { decide, filterRecords, type AccessState, type RecordMeta, type RegisteredPractitioner } from './decision';
import { SYSTEM, type PractitionerRole, type RequestPurpose } from './terminology';

const NOW = '2025-06-15T10:00:00Z';
const OTHER_LABELS = 'urn:example:labels';

// --- provision shorthands -------------------------------------------------------------------------
const org = (id: string) => ({ reference: { reference: `Organization/${id}` } });
const practitioner = (id: string) => ({ reference: { reference: `Practitioner/${id}` } });
const role = (code: string, system: string = SYSTEM.medshareRole) => ({ role: { coding: [{ system, code }] } });
const purposes = (...codes: string[]) => codes.map((code) => ({ system: SYSTEM.actReason, code }));
const classes = (...types: string[]) => types.map((code) => ({ system: SYSTEM.resourceTypes, code }));
const conf = (code: string) => ({ system: SYSTEM.confidentiality, code });
const sens = (code: string) => ({ system: SYSTEM.actCode, code });
const actions = (...codes: string[]) => codes.map((code) => ({ coding: [{ system: SYSTEM.consentAction, code }] }));
const GLUCOSE = { system: 'http://loinc.org', code: '2339-0' };

type Json = Record<string, unknown>;
function consent(id: string, extra: Json, status = 'active', scope = 'patient-privacy'): Json {
  return {
    resourceType: 'Consent',
    id,
    status,
    scope: { coding: [{ system: SYSTEM.consentScope, code: scope }] },
    category: [{ coding: [{ system: SYSTEM.loinc, code: '59284-0' }] }],
    patient: { reference: 'Patient/pt-1' },
    policy: [{ uri: 'https://fhir.medshare.example/policy/sharing' }],
    ...extra,
  };
}
const permitAll = (id = 'c-permit') => consent(id, { provision: { type: 'permit' } });
const optIn = (id = 'c-optin') => consent(id, { policyRule: { coding: [{ system: SYSTEM.actCode, code: 'OPTIN' }] } });
const optOut = (id = 'c-optout', provision?: Json) =>
  consent(id, { policyRule: { coding: [{ system: SYSTEM.actCode, code: 'OPTOUT' }] }, ...(provision && { provision }) });
const permitWith = (provision: Json, id = 'c-1') => consent(id, { provision: { type: 'permit', ...provision } });

// --- the world: institutions, practitioners, agreements, records ----------------------------------
const PRACTITIONERS = new Map<string, RegisteredPractitioner>([
  ['dr-a', { institution: 'hosp-a', role: 'physician' }],
  ['nurse-a', { institution: 'hosp-a', role: 'nurse' }],
  ['admin-a', { institution: 'hosp-a', role: 'admin' }],
  ['dr-b', { institution: 'hosp-b', role: 'physician' }],
  ['dr-b2', { institution: 'hosp-b', role: 'physician' }],
  ['nurse-b', { institution: 'hosp-b', role: 'nurse' }],
  ['billing-b', { institution: 'hosp-b', role: 'billing' }],
  ['researcher-b', { institution: 'hosp-b', role: 'researcher' }],
  ['dr-c', { institution: 'hosp-c', role: 'physician' }],
  ['dr-d', { institution: 'hosp-d', role: 'physician' }],
  ['dr-e', { institution: 'hosp-e', role: 'physician' }],
  ['dr-f', { institution: 'hosp-f', role: 'physician' }],
  ['nurse-g', { institution: 'hosp-g', role: 'nurse' }],
]);

function agreement(id: string, reader: string, purposeList: string[], start: string, end: string, status = 'active') {
  const parsed = parseAgreement({ id, holder: 'hosp-a', reader, purposes: purposeList, period: { start, end }, status });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.agreement;
}
const AGREEMENTS = [
  agreement('ag-b', 'hosp-b', ['TREAT', 'ETREAT', 'HPAYMT', 'HRESCH', 'PUBHLTH'], '2024-01-01', '2026-12-31'),
  agreement('ag-d', 'hosp-d', ['TREAT'], '2020-01-01', '2022-12-31'),
  agreement('ag-e', 'hosp-e', ['HPAYMT'], '2024-01-01', '2026-12-31'),
  agreement('ag-f', 'hosp-f', ['TREAT'], '2024-01-01', '2026-12-31', 'revoked'),
  agreement('ag-g', 'hosp-g', ['TREAT'], '2024-01-01', '2026-12-31'),
];

function rec(recordId: string, resourceType: string, labels: { system: string; code: string }[], clinicalDate?: string, holder = 'hosp-a'): RecordMeta {
  return { recordId, holder, resourceType, securityLabels: labels, ...(clinicalDate && { clinicalDate }), ...(recordId === 'obs-1' && { codes: [GLUCOSE] }) };
}
const RECORDS: RecordMeta[] = [
  rec('obs-1', 'Observation', [], '2024-03-10'),
  rec('obs-old', 'Observation', [], '2019-06-01'),
  rec('obs-2020', 'Observation', [], '2020'),
  rec('obs-nodate', 'Observation', []),
  rec('low-1', 'Observation', [conf('L')], '2024-01-01'),
  rec('cond-1', 'Condition', [], '2023-05'),
  rec('hiv-1', 'Observation', [sens('HIV')], '2024-02-01'),
  rec('psy-1', 'Condition', [sens('PSY'), conf('N')], '2023-01-01'),
  rec('sud-1', 'Condition', [sens('SUD')], '2023-02-01'),
  rec('r-1', 'Observation', [conf('R')], '2024-01-01'),
  rec('v-1', 'Observation', [conf('V')], '2024-01-01'),
  rec('unk-1', 'Observation', [{ system: OTHER_LABELS, code: 'VIP' }], '2024-01-01'),
  rec('enc-1', 'Encounter', [], '2024-01-01'),
];
const PLAIN = ['cond-1', 'low-1', 'obs-1', 'obs-2020', 'obs-nodate', 'obs-old'];
const PLAIN_OBS = ['low-1', 'obs-1', 'obs-2020', 'obs-nodate', 'obs-old'];
const EVERYTHING = ['cond-1', 'hiv-1', 'low-1', 'obs-1', 'obs-2020', 'obs-nodate', 'obs-old', 'psy-1', 'r-1', 'sud-1', 'unk-1', 'v-1'];

interface Scenario {
  consents: Json[];
  by?: string;
  claimedRole?: PractitionerRole;
  purpose?: RequestPurpose;
  reason?: string;
  holders?: string[];
  resourceTypes?: AccessRequest['resourceTypes'];
  records?: RecordMeta[];
  released: string[];
  breakGlass?: boolean;
  deIdentify?: boolean;
  decidingConsent?: string;
  decidingRule?: string;
}

function run(s: Scenario) {
  const consents = new ConsentIndex();
  for (const json of s.consents) {
    const parsed = parseConsent(json);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    consents.put(parsed.consent);
  }
  const agreements = new AgreementIndex();
  AGREEMENTS.forEach((a) => agreements.put(a));
  const state: AccessState = { consents, agreements, practitioners: PRACTITIONERS };
  const by = s.by ?? 'dr-b';
  const registered = PRACTITIONERS.get(by)!;
  const request: AccessRequest = {
    requester: { institution: registered.institution, practitioner: by, role: s.claimedRole ?? registered.role },
    patient: 'pt-1',
    holders: s.holders ?? ['hosp-a'],
    purpose: s.purpose ?? 'TREAT',
    resourceTypes: s.resourceTypes ?? ['Observation', 'Condition'],
    ...(s.reason !== undefined && { reason: s.reason }),
    now: NOW,
  };
  const { context } = decide(request, state);
  return filterRecords(context, s.records ?? RECORDS);
}

const scenarios: [string, Scenario][] = [
  // What counts
  ["no consent at all: default deny, even for the holder's own physician", { consents: [], by: 'dr-a', released: [] }],
  ["opt-in policyRule without provision permits unlabelled records to the holder's own staff", { consents: [optIn()], by: 'dr-a', released: PLAIN }],
  [
    'a permit root lets an institution with an agreement read the unlabelled records',
    { consents: [permitAll()], released: PLAIN, decidingConsent: 'c-permit', decidingRule: 'provision' },
  ],
  ['draft consent grants nothing', { consents: [consent('c-draft', { provision: { type: 'permit' } }, 'draft')], released: [] }],
  ['proposed consent grants nothing', { consents: [consent('c-prop', { provision: { type: 'permit' } }, 'proposed')], released: [] }],
  ['entered-in-error consent grants nothing', { consents: [consent('c-err', { provision: { type: 'permit' } }, 'entered-in-error')], released: [] }],
  ['revoked (inactive) consent grants nothing', { consents: [consent('c-rev', { provision: { type: 'permit' } }, 'inactive')], released: [] }],
  ['rejected consent grants nothing', { consents: [consent('c-rej', { provision: { type: 'permit' } }, 'rejected')], released: [] }],
  ['a research-scope consent does not decide access', { consents: [consent('c-res', { provision: { type: 'permit' } }, 'active', 'research')], released: [] }],
  [
    'an inactive deny does not override an active permit',
    { consents: [permitAll(), consent('c-old-deny', { provision: { type: 'deny' } }, 'inactive')], released: PLAIN },
  ],
  // Agreements
  ['another institution without any agreement gets nothing', { consents: [permitAll()], by: 'dr-c', released: [] }],
  ['an expired agreement reaches nothing', { consents: [permitAll()], by: 'dr-d', released: [] }],
  ['an agreement that does not list the purpose reaches nothing', { consents: [permitAll()], by: 'dr-e', released: [] }],
  ['the same agreement reaches the holder for the purpose it lists', { consents: [permitAll()], by: 'dr-e', purpose: 'HPAYMT', released: PLAIN }],
  ['a revoked agreement reaches nothing', { consents: [permitAll()], by: 'dr-f', released: [] }],
  ['own institution needs no agreement', { consents: [permitWith({ actor: [org('hosp-a')] })], by: 'dr-a', released: PLAIN }],
  [
    'records at a holder the reader cannot reach are withheld even when consent permits',
    {
      consents: [permitAll()],
      holders: ['hosp-a', 'hosp-c'],
      records: [rec('obs-1', 'Observation', [], '2024-03-10'), rec('c-obs', 'Observation', [], '2024-03-10', 'hosp-c')],
      released: ['obs-1'],
    },
  ],
  // Root and time
  ['an opt-out consent denies and is named as deciding', { consents: [optOut()], released: [], decidingConsent: 'c-optout', decidingRule: 'policyRule' }],
  ['a root type overrides policyRule (permit root under OPTOUT)', { consents: [optOut('c-x', { type: 'permit' })], released: PLAIN }],
  ['an expired provision period permits nothing', { consents: [permitWith({ period: { start: '2023-01-01', end: '2024-12-31' } })], released: [] }],
  ['a period ending in the year 2025 covers the whole year', { consents: [permitWith({ period: { end: '2025' } })], released: PLAIN }],
  ['a period ending in 2025-06 covers the whole month', { consents: [permitWith({ period: { end: '2025-06' } })], released: PLAIN }],
  ['a period that ended the day before now permits nothing', { consents: [permitWith({ period: { end: '2025-06-14' } })], released: [] }],
  ['a period starting exactly now is inclusive', { consents: [permitWith({ period: { start: '2025-06-15T12:00:00+02:00' } })], released: PLAIN }],
  ['a period starting tomorrow permits nothing yet', { consents: [permitWith({ period: { start: '2025-06-16' } })], released: [] }],
  // Purpose
  ['wrong purpose: a payment-only permit does not cover treatment', { consents: [permitWith({ purpose: purposes('HPAYMT') })], released: [] }],
  [
    'a research permit covers a research request',
    { consents: [permitWith({ purpose: purposes('HRESCH') })], by: 'researcher-b', purpose: 'HRESCH', released: PLAIN, deIdentify: true },
  ],
  [
    'a child purpose (CLINTRCH) never covers its parent (HRESCH)',
    { consents: [permitWith({ purpose: purposes('CLINTRCH') })], by: 'researcher-b', purpose: 'HRESCH', released: [], deIdentify: true },
  ],
  ['a child purpose (ETREAT) never covers its parent (TREAT)', { consents: [permitWith({ purpose: purposes('ETREAT') })], released: [] }],
  ['purposes in one list are alternatives (OR)', { consents: [permitWith({ purpose: purposes('HPAYMT', 'TREAT') })], released: PLAIN }],
  // Actors
  ['a provision for nurses does not cover a physician', { consents: [permitWith({ actor: [role('nurse')] })], released: [] }],
  [
    'organization AND role in one actor: a physician of that organization',
    { consents: [permitWith({ actor: [{ ...org('hosp-b'), ...role('physician') }] })], released: PLAIN },
  ],
  [
    'organization AND role in one actor: a billing clerk of that organization is not covered',
    { consents: [permitWith({ actor: [{ ...org('hosp-b'), ...role('physician') }] })], by: 'billing-b', purpose: 'HPAYMT', released: [] },
  ],
  ['an actor naming a practitioner covers that practitioner', { consents: [permitWith({ actor: [practitioner('dr-b')] })], released: PLAIN }],
  ['an actor naming a practitioner does not cover a colleague', { consents: [permitWith({ actor: [practitioner('dr-b')] })], by: 'dr-b2', released: [] }],
  ["an actor naming another organization excludes the holder's own staff", { consents: [permitWith({ actor: [org('hosp-b')] })], by: 'dr-a', released: [] }],
  [
    'a participation code (IRCP) adds no constraint',
    {
      consents: [permitWith({ actor: [{ ...org('hosp-b'), ...role('IRCP', SYSTEM.participationType) }] })],
      by: 'billing-b',
      purpose: 'HPAYMT',
      released: PLAIN,
    },
  ],
  // Action
  ['a provision listing only collect does not apply to reads', { consents: [permitWith({ action: actions('collect') })], released: [] }],
  ['a provision listing access applies to reads', { consents: [permitWith({ action: actions('collect', 'access') })], released: PLAIN }],
  // The tree
  [
    'a deny exception removes Conditions from a permit',
    {
      consents: [permitWith({ provision: [{ type: 'deny', class: classes('Condition') }] })],
      released: PLAIN_OBS,
      decidingRule: 'provision',
    },
  ],
  [
    'an exception to the exception permits glucose back inside the denied Observations',
    {
      consents: [permitWith({ provision: [{ type: 'deny', class: classes('Observation'), provision: [{ type: 'permit', code: [{ coding: [GLUCOSE] }] }] }] })],
      released: ['cond-1', 'obs-1'],
    },
  ],
  [
    'deny wins among matching siblings',
    {
      consents: [
        optOut('c-sib', {
          provision: [
            { type: 'permit', class: classes('Observation') },
            { type: 'deny', dataPeriod: { start: '2024' } },
          ],
        }),
      ],
      released: ['obs-2020', 'obs-nodate', 'obs-old'],
      decidingRule: 'provision.provision[0]',
    },
  ],
  [
    'a child never widens its parent: a Condition permit under an Observation-only root',
    {
      consents: [permitWith({ class: classes('Observation'), provision: [{ type: 'permit', class: classes('Condition') }] })],
      released: PLAIN_OBS,
    },
  ],
  [
    'a child never widens its parent: own staff named only in the child get nothing',
    {
      consents: [permitWith({ actor: [org('hosp-b')], provision: [{ type: 'permit', actor: [org('hosp-a')] }] })],
      by: 'dr-a',
      released: [],
    },
  ],
  [
    "flattening trap: a deep deny does not deny the whole opt-out tree's permit",
    {
      consents: [optOut('c-flat', { provision: [{ type: 'permit', actor: [org('hosp-b')], provision: [{ type: 'deny', class: classes('Condition') }] }] })],
      released: PLAIN_OBS,
      decidingRule: 'provision.provision[0]',
    },
  ],
  [
    'a consent whose root does not match the request is silent',
    {
      consents: [consent('c-c-only', { provision: { type: 'deny', actor: [org('hosp-c')] } }), permitAll()],
      released: PLAIN,
    },
  ],
  [
    'across consents any deny wins per record',
    {
      consents: [permitAll(), consent('c-no-cond', { provision: { type: 'deny', class: classes('Condition') } })],
      released: PLAIN_OBS,
    },
  ],
  [
    'across consents any permit is enough per record',
    {
      consents: [permitWith({ class: classes('Observation') }, 'c-obs'), permitWith({ class: classes('Condition') }, 'c-cond')],
      released: PLAIN,
    },
  ],
  [
    'permit only when a record is returned: a Condition-only permit for an Observation request',
    {
      consents: [permitWith({ class: classes('Condition') })],
      resourceTypes: ['Observation'],
      released: [],
    },
  ],
  // Data period
  [
    'dataPeriod covers records by clinical date; undated records are not covered',
    {
      consents: [permitWith({ dataPeriod: { start: '2023', end: '2024' } })],
      released: ['cond-1', 'low-1', 'obs-1'],
    },
  ],
  [
    "a partial clinical date only partly inside a permit's dataPeriod is not covered",
    {
      consents: [permitWith({ dataPeriod: { start: '2020-01-01', end: '2020-06-30' } })],
      resourceTypes: ['Observation'],
      released: [],
    },
  ],
  [
    "a partial clinical date partly inside a deny's dataPeriod is denied",
    {
      consents: [permitWith({ provision: [{ type: 'deny', dataPeriod: { start: '2020-01-01', end: '2020-06-30' } }] })],
      resourceTypes: ['Observation'],
      released: ['low-1', 'obs-1', 'obs-nodate', 'obs-old'],
    },
  ],
  // Labels
  ['a general permit withholds sensitive, restricted and unknown-labelled records', { consents: [permitAll()], released: PLAIN }],
  [
    'a provision naming HIV releases HIV records only',
    {
      consents: [permitWith({ provision: [{ type: 'permit', securityLabel: [sens('HIV')] }] })],
      released: [...PLAIN, 'hiv-1'].sort(),
    },
  ],
  [
    'SPI named covers PSY and SUD but not HIV',
    {
      consents: [permitWith({ provision: [{ type: 'permit', securityLabel: [sens('SPI')] }] })],
      released: [...PLAIN, 'psy-1', 'sud-1'].sort(),
    },
  ],
  [
    'PSY named does not release SUD',
    {
      consents: [permitWith({ provision: [{ type: 'permit', securityLabel: [sens('PSY')] }] })],
      released: [...PLAIN, 'psy-1'].sort(),
    },
  ],
  [
    'a provision at R releases restricted records, not very restricted ones',
    {
      consents: [permitWith({ provision: [{ type: 'permit', securityLabel: [conf('R')] }] })],
      released: [...PLAIN, 'r-1'].sort(),
    },
  ],
  [
    'a provision at V covers every confidentiality level',
    {
      consents: [permitWith({ provision: [{ type: 'permit', securityLabel: [conf('V')] }] })],
      released: [...PLAIN, 'r-1', 'v-1'].sort(),
    },
  ],
  [
    'a deny at V covers every level below it too (the high-water mark read literally)',
    {
      consents: [permitWith({ provision: [{ type: 'deny', securityLabel: [conf('V')] }] })],
      released: [],
    },
  ],
  ['a root at M covers only records labelled U to M', { consents: [permitWith({ securityLabel: [conf('M')] })], released: ['low-1'] }],
  [
    'an unknown label is released only by a provision naming it exactly',
    {
      consents: [permitWith({ provision: [{ type: 'permit', securityLabel: [{ system: OTHER_LABELS, code: 'VIP' }] }] })],
      released: [...PLAIN, 'unk-1'].sort(),
    },
  ],
  [
    "a label named by another consent's path does not release through a general permit",
    {
      consents: [permitAll(), permitWith({ class: classes('Condition'), securityLabel: [sens('HIV')] }, 'c-hiv-cond')],
      released: PLAIN,
    },
  ],
  [
    'HIV released under research purpose stays de-identified',
    {
      consents: [permitWith({ purpose: purposes('HRESCH'), provision: [{ type: 'permit', securityLabel: [sens('HIV')] }] })],
      by: 'researcher-b',
      purpose: 'HRESCH',
      released: [...PLAIN, 'hiv-1'].sort(),
      deIdentify: true,
    },
  ],
  // Break-glass
  [
    'break-glass by a physician with a reason returns everything, over an opt-out and labels',
    {
      consents: [optOut()],
      purpose: 'ETREAT',
      reason: 'unconscious in ED, suspected overdose',
      released: EVERYTHING,
      breakGlass: true,
      decidingRule: 'break-glass',
    },
  ],
  [
    'break-glass with no consent at all still returns what the holder has',
    {
      consents: [],
      by: 'nurse-a',
      purpose: 'ETREAT',
      reason: 'cardiac arrest',
      released: EVERYTHING,
      breakGlass: true,
    },
  ],
  ['break-glass without a reason is refused, and still flagged', { consents: [permitAll()], purpose: 'ETREAT', released: [], breakGlass: true }],
  ['break-glass with a blank reason is refused', { consents: [permitAll()], purpose: 'ETREAT', reason: '   ', released: [], breakGlass: true }],
  [
    'break-glass by a non-clinician is refused',
    { consents: [permitAll()], by: 'admin-a', purpose: 'ETREAT', reason: 'urgent', released: [], breakGlass: true },
  ],
  [
    'break-glass across institutions needs an agreement listing ETREAT, TREAT is not enough',
    {
      consents: [permitAll()],
      by: 'nurse-g',
      purpose: 'ETREAT',
      reason: 'trauma bay',
      released: [],
      breakGlass: true,
    },
  ],
  ['the same reader reaches the holder for plain treatment', { consents: [permitAll()], by: 'nurse-g', released: PLAIN }],
  ['a role claim that is not the registered role is refused', { consents: [permitAll()], by: 'billing-b', claimedRole: 'physician', released: [] }],
];

describe('decide + filterRecords', () => {
  it.each(scenarios)('%s', (_name, s) => {
    const { decision, released, withheld } = run(s);
    expect(released.map((r) => r.record.recordId).sort()).toEqual(s.released);
    expect(decision.effect).toBe(s.released.length > 0 ? 'permit' : 'deny');
    expect(decision.final).toBe(true);
    expect(decision.breakGlass).toBe(s.breakGlass ?? false);
    expect(decision.obligations.deIdentify).toBe(s.deIdentify ?? false);
    expect(decision.obligations.withheldRecords).toBe(withheld.length);
    if (s.decidingConsent) expect(decision.decidingConsent).toBe(s.decidingConsent);
    if (s.decidingRule) expect(decision.decidingRule).toBe(s.decidingRule);
  });
});

describe('the decision reasons', () => {
  it('count records per outcome, consent and rule, in first-seen order', () => {
    const deny = consent('c-deny', { provision: { type: 'permit', provision: [{ type: 'deny', class: classes('Condition') }] } });
    const records = [
      rec('o1', 'Observation', [], '2024-03-10'),
      rec('c1', 'Condition', [], '2023-05'),
      rec('o2', 'Observation', [sens('HIV')], '2024-02-01'),
      rec('o3', 'Observation', [], '2020'),
      rec('c2', 'Condition', [], '2023-01-01'),
    ];
    expect(run({ consents: [deny], records, released: [] }).decision.reasons).toEqual([
      '2 record(s) released by consent c-deny at provision',
      '2 record(s) withheld (denied-by-consent) by consent c-deny at provision.provision[0]',
      '1 record(s) withheld (sensitive-label-not-named) by consent c-deny at provision',
    ]);
  });

  it('say so when no record of the requested types was found', () => {
    expect(run({ consents: [permitAll()], records: [], released: [] }).decision.reasons).toEqual(['no record of the requested types was found']);
  });

  it('are the same when the same clinical dates are seen again (parsed once)', () => {
    const first = run({ consents: [permitWith({ dataPeriod: { start: '2024-01-01' } })], released: [] });
    const again = run({ consents: [permitWith({ dataPeriod: { start: '2024-01-01' } })], released: [] });
    expect(first.released.map((r) => r.record.recordId).sort()).toEqual(['low-1', 'obs-1']);
    expect(again).toEqual(first);
  });
});
