// The sharing half of `medshare demo`: roles and agreements once, then for some of the patients the demo
// sent, a consent by the holding hospital and reads by the next hospital — permitted treatment reads,
// break-glass reads with a reason, and research reads the consent does not allow (denied, on the ledger).
import { randomUUID } from 'node:crypto';
import { issueInstitutionToken } from '@medshare/crypto';
import type { PlatformKeys } from '@medshare/service-kit';
import { NATIONAL_ID_SYSTEM } from '@medshare/synthetic';

const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const TOKEN_TTL_SECONDS = 24 * 3600;

export interface SharingCounts {
  consents: number;
  permitted: number;
  denied: number;
  breakGlass: number;
}

export class DemoSharing {
  readonly counts: SharingCounts = { consents: 0, permitted: 0, denied: 0, breakGlass: 0 };
  private reads = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly keys: PlatformKeys,
    private readonly institutions: readonly string[],
  ) {}

  /** Every hospital registers a physician and a nurse, and lets the next hospital read for TREAT and ETREAT. */
  async setUp(): Promise<void> {
    for (const [index, holder] of this.institutions.entries()) {
      const system = this.token(holder);
      for (const [practitioner, role] of [
        [`dr-${holder}`, 'physician'],
        [`nurse-${holder}`, 'nurse'],
      ]) {
        await this.call('POST', '/v1/roles', system, { practitioner, role });
      }
      await this.call('POST', '/v1/agreements', system, {
        id: `demo-${holder}-to-${this.next(index)}`,
        holder,
        reader: this.next(index),
        purposes: ['TREAT', 'ETREAT'],
        period: { start: '2020-01-01T00:00:00Z', end: '2099-12-31T23:59:59Z' },
        status: 'active',
      });
    }
  }

  /** The holder consents to treatment reads by the next hospital; that hospital then reads. */
  async share(holderIndex: number, nationalId: string): Promise<void> {
    const holder = this.institutions[holderIndex];
    const reader = this.next(holderIndex);
    const consent = {
      resourceType: 'Consent',
      // The hospital's own consent id carries nothing of the patient (the platform would keep only its pseudonym anyway).
      id: `demo-${randomUUID()}`,
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { identifier: { system: NATIONAL_ID_SYSTEM, value: nationalId } },
      policy: [{ uri: 'https://fhir.medshare.example/policy/sharing' }],
      provision: { type: 'permit', actor: [{ reference: { reference: `Organization/${reader}` } }], purpose: [{ system: ACT_REASON, code: 'TREAT' }] },
    };
    // A hospital holds a patient once its first records are encrypted: retry for up to 30 s until then.
    for (let attempt = 0; attempt < 60; attempt += 1) {
      const status = await this.call('POST', '/v1/consents', this.token(holder), consent);
      if (status === 201) {
        this.counts.consents += 1;
        break;
      }
      if (status !== 403) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    this.reads += 1;
    const patient = encodeURIComponent(`${NATIONAL_ID_SYSTEM}|${nationalId}`);
    const read =
      this.reads % 5 === 0
        ? { who: `nurse-${reader}`, role: 'nurse', query: 'purpose=ETREAT&reason=unconscious%20patient%20in%20the%20emergency%20department' }
        : this.reads % 7 === 0
          ? { who: `dr-${reader}`, role: 'physician', query: 'purpose=HRESCH' }
          : { who: `dr-${reader}`, role: 'physician', query: 'purpose=TREAT' };
    const status = await this.call('GET', `/v1/patients/${patient}/records?${read.query}`, this.token(reader, read.who, read.role));
    if (read.query.includes('ETREAT')) this.counts.breakGlass += 1;
    if (status === 200) this.counts.permitted += 1;
    else this.counts.denied += 1;
  }

  private next(index: number): string {
    return this.institutions[(index + 1) % this.institutions.length];
  }

  private token(institution: string, practitioner?: string, role?: string): string {
    return issueInstitutionToken(this.keys.institutionPrivateKey(institution), {
      institution,
      ttlSeconds: TOKEN_TTL_SECONDS,
      ...(practitioner === undefined ? {} : { practitioner, role }),
    });
  }

  private async call(method: 'GET' | 'POST', path: string, token: string, body?: object): Promise<number> {
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(20_000),
      });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return 0;
    }
  }
}
