// Keyed tokens of what a submission wrote (docs/keyed-tokens.md): per Patient its family names, home addresses and
// privacy labels, per Practitioner the same tokens and its own patient pseudonym, so governance compares people
// without ever holding a name or an address. Pure: the caller resolves the practitioners' patient links.
import { envelope, type MedshareEvent } from '@medshare/contracts';
import { TOKEN_DOMAINS, keyedToken, practitionerPseudonym, pseudonymise, type PseudonymKey, type TokenDomain } from '@medshare/crypto';
import { securityLabelsOf, type FhirResource, type Identifier } from '@medshare/fhir';

/** One written resource: its content as sent, the patient (or institution key owner) it is filed under, the client's id. */
export interface TokenSubject {
  resource: FhirResource;
  keyOwner: string;
  clientId?: string;
}

/**
 * The privacy labels passed on (codes only, never a system or display): those a VIP rule can name. Any other code is
 * dropped, because a label code is client-chosen text and only codes from this fixed list are known not to be data.
 */
export const TOKENISED_LABELS: ReadonlySet<string> = new Set(['CELEB', 'CEL', 'VIP', 'EMP', 'TABOO', 'DEMO', 'ETH', 'HIV', 'PSY', 'SDV', 'SEX', 'STD']);
const MAX_TOKENS = 20;
/** Addresses that say where someone lives: a work address (the hospital itself) or an old one makes no household. */
const SKIPPED_ADDRESS_USES = new Set(['work', 'old', 'billing']);

interface HumanName {
  family?: unknown;
}
interface Address {
  use?: unknown;
  line?: unknown;
  city?: unknown;
  postalCode?: unknown;
}

/** The identifier pseudonyms in shared systems (national ids) of a Practitioner: how it may also be a patient. */
export function sharedIdentifierPseudonyms(key: PseudonymKey, institution: string, resource: FhirResource): string[] {
  const identifiers = Array.isArray(resource.identifier) ? (resource.identifier as Identifier[]) : [];
  return identifiers
    .filter((identifier) => typeof identifier.system === 'string' && key.sharedSystems.has(identifier.system) && typeof identifier.value === 'string')
    .filter((identifier) => (identifier.value as string).length > 0)
    .map((identifier) => pseudonymise(key, identifier.system as string, identifier.value as string, institution));
}

/**
 * identity.patient-tokens.v1 per Patient and identity.practitioner-tokens.v1 per Practitioner the client named by id
 * (its institution's tokens say `Practitioner/<id>`). `patientOf`: identifier pseudonym → patient pseudonym, for
 * the practitioners' shared identifiers; a shared identifier no patient was filed under yet names the patient it
 * would found (patient-resolution.ts: a patient seen first is named by its best identifier).
 */
export function identityTokenEvents(
  institution: string,
  key: PseudonymKey,
  subjects: readonly TokenSubject[],
  patientOf: ReadonlyMap<string, string>,
): MedshareEvent[] {
  const events: MedshareEvent[] = [];
  for (const { resource, keyOwner, clientId } of subjects) {
    const familyName = tokensOf(key, TOKEN_DOMAINS.familyName, familyNames(resource));
    const address = tokensOf(key, TOKEN_DOMAINS.address, homeAddresses(resource));
    if (resource.resourceType === 'Patient') {
      const securityLabels = [...new Set(securityLabelsOf(resource).map((label) => label.code))].filter((code) => TOKENISED_LABELS.has(code));
      events.push(
        envelope('identity.patient-tokens.v1', institution, { institution, patient: keyOwner, familyName, address, securityLabels }, { subject: keyOwner }),
      );
    } else if (resource.resourceType === 'Practitioner' && clientId !== undefined) {
      const [shared] = sharedIdentifierPseudonyms(key, institution, resource).sort();
      const patient = shared === undefined ? undefined : (patientOf.get(shared) ?? shared);
      events.push(
        envelope(
          'identity.practitioner-tokens.v1',
          institution,
          { institution, practitioner: practitionerPseudonym(key, clientId), familyName, address, ...(patient === undefined ? {} : { patient }) },
          { subject: institution },
        ),
      );
    }
  }
  return events;
}

function familyNames(resource: FhirResource): string[] {
  const names = Array.isArray(resource.name) ? (resource.name as HumanName[]) : [];
  return names.flatMap((name) => (typeof name.family === 'string' ? [name.family] : []));
}

/** Street lines, city and postal code as one value: the whole address, not any one part, makes a household. */
function homeAddresses(resource: FhirResource): string[] {
  const addresses = Array.isArray(resource.address) ? (resource.address as Address[]) : [];
  return addresses
    .filter((address) => !(typeof address.use === 'string' && SKIPPED_ADDRESS_USES.has(address.use)))
    .flatMap((address) => {
      const lines = Array.isArray(address.line) ? address.line.filter((line): line is string => typeof line === 'string') : [];
      if (lines.length === 0) return [];
      return [[...lines, address.city, address.postalCode].filter((part): part is string => typeof part === 'string').join(' ')];
    });
}

function tokensOf(key: PseudonymKey, domain: TokenDomain, values: readonly string[]): string[] {
  const tokens = values.flatMap((value) => keyedToken(key, domain, value) ?? []);
  return [...new Set(tokens)].slice(0, MAX_TOKENS);
}
