// Given an accounting of disclosures whose lines are proven on a small signed ledger, then the verifier accepts
// it, and refuses each way a line can lie: another event's proof, a changed claim, a missing or forged proof.
import { generateKeyPairSync } from 'node:crypto';
import { canonicalBytes, envelope, type EventOf } from '@medshare/contracts';
import { createProofBundle, leafHash, MerkleTree, signCheckpoint } from '@medshare/merkle';
import { verifyDisclosureReport } from './disclosure-report';

const EXT = 'https://medshare.example/fhir/StructureDefinition/';
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const otherKey = generateKeyPairSync('ed25519').privateKey;

function disclosure(n: number, breakGlass = false): EventOf<'records.disclosed.v1'> {
  const patient = `p-${'a'.repeat(32)}`;
  return envelope(
    'records.disclosed.v1',
    'access-control',
    {
      decisionId: `d-${n}`,
      requester: { institution: 'hosp-b', practitioner: `pr-${'b'.repeat(20)}`, role: 'physician' },
      patient,
      purpose: breakGlass ? 'ETREAT' : 'TREAT',
      breakGlass,
      deIdentified: false,
      records: [{ recordId: `r-${n}`, resourceType: 'Observation', institution: 'hosp-a' }],
    },
    { subject: patient },
  );
}

const events = [disclosure(1), disclosure(2, true), disclosure(3)];
const leaves = events.map((event) => canonicalBytes(event));
const tree = new MerkleTree(leaves.map((leaf) => leafHash(leaf)));
const checkpoint = (key = privateKey) => signCheckpoint({ origin: 'medshare.test/ledger', size: tree.size, rootHash: tree.root() }, key);
const proofOf = (index: number, key = privateKey) =>
  createProofBundle({ eventId: events[index].id, leafIndex: index, tree, signedCheckpoint: checkpoint(key), leafData: leaves[index] });

/** One line as governance writes it (apps/governance/src/reports/disclosure-bundle.ts). */
function line(event: EventOf<'records.disclosed.v1'>, proof: unknown) {
  return {
    resource: {
      resourceType: 'AuditEvent',
      extension: [
        { url: `${EXT}ledger-event-id`, valueString: event.id },
        ...(proof === undefined ? [] : [{ url: `${EXT}ledger-inclusion-proof`, valueString: JSON.stringify(proof) }]),
        { url: `${EXT}break-glass`, valueBoolean: event.data.breakGlass },
      ],
      recorded: event.time,
      purposeOfEvent: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: event.data.purpose }] }],
      agent: [
        { who: { identifier: { system: 'urn:medshare:practitioner-pseudonym', value: event.data.requester.practitioner } }, requestor: true },
        { who: { identifier: { system: 'urn:medshare:institution', value: event.data.requester.institution } }, requestor: false },
      ],
      entity: [
        { what: { identifier: { system: 'urn:medshare:patient-pseudonym', value: event.data.patient } } },
        ...event.data.records.map((record) => ({ name: record.resourceType })),
      ],
    },
  };
}

const report = (entries: unknown[]) => ({ resourceType: 'Bundle', type: 'collection', total: entries.length, entry: entries });
const honest = () => events.map((event, index) => line(event, proofOf(index)));

describe('verifyDisclosureReport', () => {
  it('accepts a report whose every line is proven and says what the ledger holds', () => {
    expect(verifyDisclosureReport(report(honest()), publicKey)).toEqual({ lines: 3, problems: [], largestTreeSize: 3 });
  });

  it.each<[string, (entries: ReturnType<typeof honest>) => void, RegExp]>([
    ['a line without a proof', (entries) => entries.splice(1, 1, line(events[1], undefined)), /line 2 .*no inclusion proof/],
    ["a line carrying another event's proof", (entries) => entries.splice(0, 1, line(events[0], proofOf(2))), /line 1 .*proof is of event/],
    ['a proof signed with another key', (entries) => entries.splice(2, 1, line(events[2], proofOf(2, otherKey))), /line 3 .*inclusion proof: checkpoint/],
    ['a changed purpose', (entries) => (entries[0].resource.purposeOfEvent[0].coding[0].code = 'HRESCH'), /line 1 .*purpose is not what the ledger holds/],
    ['a hidden break-glass', (entries) => (entries[1].resource.extension[2].valueBoolean = false), /line 2 .*break-glass is not/],
    ['another requesting institution', (entries) => (entries[2].resource.agent[1].who.identifier.value = 'hosp-c'), /line 3 .*institution is not/],
    ['a moved time', (entries) => (entries[0].resource.recorded = '2020-01-01T00:00:00.000Z'), /line 1 .*time is not/],
  ])('refuses %s', (_name, tamper, problem) => {
    const entries = honest();
    tamper(entries);
    const verdict = verifyDisclosureReport(report(entries), publicKey);
    expect(verdict.problems).toHaveLength(1);
    expect(verdict.problems[0]).toMatch(problem);
  });

  it('refuses a report that lost a line its total counts', () => {
    const entries = honest().slice(1);
    expect(verifyDisclosureReport({ ...report(entries), total: 3 }, publicKey).problems).toEqual(['the bundle says 3 lines but holds 2']);
  });

  it('refuses what is not a Bundle', () => {
    expect(verifyDisclosureReport({ resourceType: 'AuditEvent' }, publicKey).problems).toEqual(['not a FHIR Bundle with entries']);
  });
});
