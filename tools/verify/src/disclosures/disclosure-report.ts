// Checks an accounting of disclosures downloaded from governance (a FHIR Bundle of AuditEvents, format in
// apps/governance/README.md): every line must carry a ledger inclusion proof that verifies under the ledger's
// key, for the event the line names, and what the line says must be what that event on the ledger says.
import type { KeyObject } from 'node:crypto';
import { verifyProofBundle } from '@medshare/merkle';

const EXTENSION = 'https://medshare.example/fhir/StructureDefinition/';
const SYSTEM = { patient: 'urn:medshare:patient-pseudonym', practitioner: 'urn:medshare:practitioner-pseudonym', institution: 'urn:medshare:institution' };

export interface DisclosureReportVerdict {
  lines: number;
  /** Every line's problem, as `line N (<event id>): <problem>`; empty when all hold. */
  problems: string[];
  /** The largest tree size a line was proven in (each proof has its own signed checkpoint). */
  largestTreeSize: number;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const array = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export function verifyDisclosureReport(bundle: unknown, publicKey: KeyObject): DisclosureReportVerdict {
  if (!isObject(bundle) || bundle.resourceType !== 'Bundle' || !Array.isArray(bundle.entry)) {
    return { lines: 0, problems: ['not a FHIR Bundle with entries'], largestTreeSize: 0 };
  }
  const problems: string[] = [];
  let largestTreeSize = 0;
  bundle.entry.forEach((entry, index) => {
    const event = isObject(entry) ? entry.resource : undefined;
    const found = isObject(event) ? checkLine(event, publicKey) : { problem: 'not an AuditEvent' };
    if ('problem' in found) problems.push(`line ${index + 1}${found.eventId ? ` (${found.eventId})` : ''}: ${found.problem}`);
    else largestTreeSize = Math.max(largestTreeSize, found.treeSize);
  });
  if (typeof bundle.total === 'number' && bundle.total !== bundle.entry.length)
    problems.push(`the bundle says ${bundle.total} lines but holds ${bundle.entry.length}`);
  return { lines: bundle.entry.length, problems, largestTreeSize };
}

function checkLine(event: Json, publicKey: KeyObject): { treeSize: number } | { problem: string; eventId?: string } {
  if (event.resourceType !== 'AuditEvent') return { problem: 'not an AuditEvent' };
  const extension = (name: string) => array(event.extension).find((item): item is Json => isObject(item) && item.url === `${EXTENSION}${name}`);
  const eventId = extension('ledger-event-id')?.valueString;
  if (typeof eventId !== 'string') return { problem: 'no ledger event id' };
  const proofText = extension('ledger-inclusion-proof')?.valueString;
  if (typeof proofText !== 'string') return { eventId, problem: 'no inclusion proof (the event was not in a committed block when the report was made)' };
  let proof: unknown;
  try {
    proof = JSON.parse(proofText);
  } catch {
    return { eventId, problem: 'the inclusion proof is not JSON' };
  }
  const verdict = verifyProofBundle(proof, publicKey);
  if (!verdict.ok) return { eventId, problem: `inclusion proof: ${verdict.reason}` };
  if (verdict.eventId !== eventId) return { eventId, problem: `the proof is of event ${verdict.eventId}` };
  if (!verdict.leafDataChecked) return { eventId, problem: 'the proof carries no event bytes to compare the line with' };
  const ledgerEvent: unknown = JSON.parse(Buffer.from(String((proof as Json).leafData), 'hex').toString('utf8'));
  const mismatch = lineMismatch(event, ledgerEvent, extension('break-glass')?.valueBoolean);
  return mismatch === undefined ? { treeSize: verdict.checkpoint.size } : { eventId, problem: mismatch };
}

/** What the line claims against the disclosure event the ledger holds; the first difference, if any. */
function lineMismatch(line: Json, ledgerEvent: unknown, breakGlass: unknown): string | undefined {
  if (!isObject(ledgerEvent) || ledgerEvent.type !== 'records.disclosed.v1' || !isObject(ledgerEvent.data))
    return 'the proven event is not a disclosure (records.disclosed.v1)';
  const data = ledgerEvent.data;
  const requester = isObject(data.requester) ? data.requester : {};
  const identifiers = (items: unknown, key: 'who' | 'what') =>
    array(items).map((item) => (isObject(item) && isObject(item[key]) && isObject(item[key].identifier) ? item[key].identifier : {})) as Json[];
  const valueOf = (items: Json[], system: string) => items.find((identifier) => identifier.system === system)?.value;
  const agents = identifiers(line.agent, 'who');
  const purpose = array(line.purposeOfEvent)
    .flatMap((concept) => (isObject(concept) ? array(concept.coding) : []))
    .find(isObject)?.code;
  const types = [...new Set(array(data.records).map((record) => (isObject(record) ? record.resourceType : undefined)))].sort();
  const listed = array(line.entity)
    .filter((entity) => isObject(entity) && typeof entity.name === 'string')
    .map((entity) => (entity as Json).name)
    .sort();
  const checks: [string, unknown, unknown][] = [
    // Instants, not strings: a report may write the event's time in another ISO form.
    ['time', Date.parse(String(line.recorded)), Date.parse(String(ledgerEvent.time))],
    ['patient', valueOf(identifiers(line.entity, 'what'), SYSTEM.patient), data.patient],
    ['practitioner', valueOf(agents, SYSTEM.practitioner), requester.practitioner],
    ['institution', valueOf(agents, SYSTEM.institution), requester.institution],
    ['purpose', purpose, data.purpose],
    ['break-glass', breakGlass, data.breakGlass],
    ['resource types', JSON.stringify(listed), JSON.stringify(types)],
  ];
  const wrong = checks.find(([, claimed, proven]) => claimed !== proven);
  return wrong === undefined ? undefined : `the line's ${wrong[0]} is not what the ledger holds`;
}
