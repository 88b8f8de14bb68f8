// What clients name (their own ids of consents, agreements and practitioners, and free text such as policy URIs) as
// the platform keeps it: a keyed pseudonym (HMAC under the platform's pseudonym key), so the client's value never
// reaches a topic, a table or a log. Scoped to the institution that chose the name, except practitioner ids.
import { practitionerPseudonym, pseudonymise, type PseudonymKey } from '@medshare/crypto';

/** The kinds of client names, each its own HMAC domain and its own visible prefix (practitioners' `pr-`: libs/crypto). */
const KINDS = { consent: 'cr', agreement: 'ar', reference: 'rf', text: 'tx', 'code-system': 'cs', code: 'cd' } as const;
type Kind = keyof typeof KINDS;

export class ClientIds {
  constructor(private readonly key: PseudonymKey) {}

  /**
   * A practitioner's platform name: tokens, roles and consent actors all go through it, so they keep matching. Not
   * scoped: a holder's consent names another institution's practitioner by that practitioner's id (an id belongs to
   * the institution that registered it first, as before). Ingestion names roster entries the same way (libs/crypto).
   */
  practitioner(clientId: string): string {
    return practitionerPseudonym(this.key, clientId);
  }

  /** The lookup key of a consent id: re-submitting the same id finds the platform id minted the first time. */
  consentRef(institution: string, clientId: string): string {
    return this.pseudonym('consent', institution, clientId);
  }

  agreementRef(holder: string, clientId: string): string {
    return this.pseudonym('agreement', holder, clientId);
  }

  /** Another client id inside a reference (`Patient/123`, `RelatedPerson/x`): the type keeps ids of two types apart. */
  reference(institution: string, type: string, clientId: string): string {
    return this.pseudonym('reference', institution, `${type}/${clientId}`);
  }

  /** Free text kept comparable but unreadable, as a URN (it stands where a URI may be required). */
  text(institution: string, value: string): string {
    return `urn:medshare:pseudonym:${this.pseudonym('text', institution, value)}`;
  }

  /**
   * A clinical code as consents and records are matched by it: provision codes are kept renamed, and every record's
   * codes are renamed the same way before matching. Not scoped: records of any holder must match a consent's code.
   */
  code(coding: { system: string; code: string }): { system: string; code: string } {
    return {
      system: `urn:medshare:pseudonym:${this.pseudonym('code-system', 'medshare', coding.system)}`,
      code: this.pseudonym('code', 'medshare', `${coding.system}|${coding.code}`),
    };
  }

  private pseudonym(kind: Kind, institution: string, value: string): string {
    // pseudonymise's `p-` prefix names patients; each kind of client name gets its own.
    return `${KINDS[kind]}-${pseudonymise(this.key, `urn:medshare:client-name:${kind}`, value, institution).slice('p-'.length)}`;
  }
}
