// The Consent medshare records and publishes, made from a validated submission: nothing in it is a value the client
// chose or wrote (ids, names of people, free text), so it may rest on Kafka and the ledger for ever.
import type { CodeRef } from './consent-rule';
import type { ConsentResource, ProvisionJson } from './consent-schema';
import { isVocabularyLabelSystem } from './security-labels';

/** Record ids are minted by the platform (UUIDv7): a data reference to anything else can match no record. */
const PLATFORM_RECORD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** How the platform names what a client named: supplied by the service, which holds the pseudonym key. */
export interface PlatformNames {
  /** The platform id of this consent (a UUIDv7 minted at first submission). */
  readonly id: string;
  /** Institution ids the platform registered: an organisation reference to anything else is a client's id. */
  readonly institutions: ReadonlySet<string>;
  /** A practitioner's platform name: the same as the requester's in tokens, so actor criteria still match. */
  practitioner(clientId: string): string;
  /** Any other client-chosen id in a reference (a local Patient, a RelatedPerson...). */
  reference(type: string, clientId: string): string;
  /** Free text that must stay comparable but unreadable (policy authority and uri). */
  text(value: string): string;
  /**
   * A clinical code a provision names, as the platform keeps it: the service renames every record's codes the same
   * way before matching, so `code` criteria match exactly as before while a local code system's values stay unread.
   */
  code(coding: CodeRef): CodeRef;
}

/**
 * The recordable copy: `id` replaced by the platform id; `meta.versionId` dropped; every `Coding.display` dropped
 * (free text, never interpreted); policy authority/uri pseudonymised (a policy is required, its meaning is not
 * evaluated); references renamed, except registered institutions (their ids are the platform's own) and patient
 * pseudonyms (already the platform's); provision codes and opaque security labels renamed (PlatformNames.code); a data reference keeps a
 * platform record id and has any other id renamed (it matched no record before and matches none after).
 */
export function recordableConsent(resource: ConsentResource, names: PlatformNames): ConsentResource {
  const copy = withoutDisplays(structuredClone(resource)) as ConsentResource;
  const reference = (literal: { reference: string }) => ({ reference: renamed(literal.reference, names) });
  const { meta, ...rest } = copy;
  const keptMeta = meta && {
    ...(meta.lastUpdated && { lastUpdated: meta.lastUpdated }),
    ...(meta.security && { security: meta.security.map((label) => keptLabel(label, names)) }),
  };
  return {
    ...rest,
    id: names.id,
    ...(keptMeta && Object.keys(keptMeta).length > 0 && { meta: keptMeta }),
    ...(copy.performer && { performer: copy.performer.map(reference) }),
    ...(copy.organization && { organization: copy.organization.map(reference) }),
    ...(copy.policy && {
      policy: copy.policy.map((p) => ({ ...(p.authority && { authority: names.text(p.authority) }), ...(p.uri && { uri: names.text(p.uri) }) })),
    }),
    ...(copy.verification && { verification: copy.verification.map((v) => ({ ...v, ...(v.verifiedWith && { verifiedWith: reference(v.verifiedWith) }) })) }),
    ...(copy.provision && { provision: renamedProvision(copy.provision, names) }),
  };
}

function renamedProvision(node: ProvisionJson, names: PlatformNames): ProvisionJson {
  return {
    ...node,
    ...(node.actor && {
      actor: node.actor.map((actor) => ({ ...actor, ...(actor.reference && { reference: { reference: renamed(actor.reference.reference, names) } }) })),
    }),
    ...(node.securityLabel && { securityLabel: node.securityLabel.map((label) => keptLabel(label, names)) }),
    ...(node.code && { code: node.code.map((concept) => ({ coding: concept.coding.map((coding) => names.code(coding)) })) }),
    ...(node.data && { data: node.data.map((d) => ({ ...d, reference: { reference: recordReference(d.reference.reference, names) } })) }),
    ...(node.provision && { provision: node.provision.map((child) => renamedProvision(child, names)) }),
  };
}

function renamed(literal: string, names: PlatformNames): string {
  const [type = '', id = ''] = literal.split('/');
  // An unregistered organisation matches no requester before renaming and none after.
  if ((type === 'Organization' && names.institutions.has(id)) || (type === 'Patient' && /^p-[a-z2-7]{16,64}$/.test(id))) return literal;
  return `${type}/${type === 'Practitioner' ? names.practitioner(id) : names.reference(type, id)}`;
}

/** Opaque labels (a client's own system) are renamed like codes; records' labels are renamed alike before matching. */
function keptLabel(label: CodeRef, names: PlatformNames): CodeRef {
  return isVocabularyLabelSystem(label.system) ? label : names.code(label);
}

function recordReference(literal: string, names: PlatformNames): string {
  const [type = '', id = ''] = literal.split('/');
  return PLATFORM_RECORD_ID.test(id) ? literal : `${type}/${names.reference(type, id)}`;
}

/** A validated Consent has `display` only in Codings (Reference.display and CodeableConcept.text are refused at intake). */
function withoutDisplays(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDisplays);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'display')
      .map(([key, item]) => [key, withoutDisplays(item)]),
  );
}
