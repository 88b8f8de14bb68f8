// Test events, one builder per kind: valid catalogue events with fresh ids, so a spec names only what it is about.
import { randomUUID } from 'node:crypto';
import { envelope, type EventOf } from '@medshare/contracts';

/** A data-quality alert: the plainest event of the catalogue, on a topic every test may write. */
export function testAlert(summary: string, { source = 'test', institution = 'hosp-a' } = {}): EventOf<'governance.alert.v1'> {
  return envelope('governance.alert.v1', source, { alertId: randomUUID(), kind: 'data-quality', severity: 'info', summary, institution });
}

/** A KEK rotation announcement: small, no patient, audited by the ledger. */
export function kekRotated(kekVersion: number): EventOf<'keys.kek-rotated.v1'> {
  return envelope('keys.kek-rotated.v1', 'encryption', { kekVersion, rewrappedDeks: 0, retiredVersions: [] });
}

/** A decrypt request with a permit no encryption service accepts: what a request/reply round trip needs. */
export function decryptRequest(permit = 'abcd'): EventOf<'encryption.decrypt-requested.v1'> {
  return envelope('encryption.decrypt-requested.v1', 'test-client', { permit, replyKey: 'AAAA' });
}

/** A permitted read of Observations by `practitioner` of hosp-a: the ledger's most common leaf. */
export function permitDecision(
  decisionId: string,
  patient: string,
  practitioner: string,
  role?: EventOf<'access.decision.v1'>['data']['requester']['role'],
): EventOf<'access.decision.v1'> {
  return envelope(
    'access.decision.v1',
    'access-control',
    {
      decisionId,
      requester: { institution: 'hosp-a', practitioner, ...(role === undefined ? {} : { role }) },
      patient,
      purpose: 'TREAT',
      effect: 'permit',
      httpStatus: 200,
      reasons: [],
      breakGlass: false,
      withheldResourceTypes: [],
      requestedResourceTypes: ['Observation'],
    },
    { subject: patient },
  );
}
