// The accounting of disclosures as a FHIR R4 Bundle of AuditEvent resources: one per disclosure, each carrying
// its ledger event id and the ledger's inclusion proof, so `medshare-verify disclosures` checks it offline.
import type { DisclosureLine } from './reports.repository';
import type { ProofBundle } from './ledger-proofs';

/** Extension URLs of the report; tools/verify reads the same ones (apps/governance/README.md, Reports). */
export const REPORT_EXTENSIONS = {
  ledgerEventId: 'https://medshare.example/fhir/StructureDefinition/ledger-event-id',
  ledgerProof: 'https://medshare.example/fhir/StructureDefinition/ledger-inclusion-proof',
  breakGlass: 'https://medshare.example/fhir/StructureDefinition/break-glass',
  deIdentified: 'https://medshare.example/fhir/StructureDefinition/de-identified',
} as const;

export const IDENTIFIER_SYSTEMS = {
  patient: 'urn:medshare:patient-pseudonym',
  practitioner: 'urn:medshare:practitioner-pseudonym',
  institution: 'urn:medshare:institution',
} as const;

type Json = Record<string, unknown>;

export function disclosureBundle(lines: readonly DisclosureLine[], proofs: ReadonlyMap<string, ProofBundle>, generatedAt: Date): Json {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: generatedAt.toISOString(),
    total: lines.length,
    entry: lines.map((line) => ({ fullUrl: `urn:medshare:ledger-event:${line.eventId}`, resource: auditEventOf(line, proofs.get(line.eventId)) })),
  };
}

function auditEventOf(line: DisclosureLine, proof: ProofBundle | undefined): Json {
  return {
    resourceType: 'AuditEvent',
    extension: [
      { url: REPORT_EXTENSIONS.ledgerEventId, valueString: line.eventId },
      ...(proof === undefined ? [] : [{ url: REPORT_EXTENSIONS.ledgerProof, valueString: JSON.stringify(proof) }]),
      { url: REPORT_EXTENSIONS.breakGlass, valueBoolean: line.breakGlass },
      { url: REPORT_EXTENSIONS.deIdentified, valueBoolean: line.deIdentified },
    ],
    type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110106', display: 'Export' },
    action: 'R',
    recorded: line.disclosedAt,
    outcome: '0',
    purposeOfEvent: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: line.purpose }] }],
    agent: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
        who: { identifier: { system: IDENTIFIER_SYSTEMS.practitioner, value: line.practitioner } },
        ...(line.role === null ? {} : { role: [{ text: line.role }] }),
        requestor: true,
      },
      { who: { identifier: { system: IDENTIFIER_SYSTEMS.institution, value: line.requesterInstitution } }, requestor: false },
    ],
    source: {
      observer: { display: 'medshare access-control' },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    entity: [
      {
        what: { identifier: { system: IDENTIFIER_SYSTEMS.patient, value: line.patient } },
        type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
        role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
      },
      ...line.resourceTypes.map((resourceType) => ({
        type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
        name: resourceType,
        description: `records held by ${line.holders.join(', ')}`,
      })),
    ],
  };
}
