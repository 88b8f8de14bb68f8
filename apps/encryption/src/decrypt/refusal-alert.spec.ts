import { envelope, type EventOf } from '@medshare/contracts';
import type { Permit } from '@medshare/crypto';
import { decryptRefusalAlert } from './refusal-alert';

const request = envelope('encryption.decrypt-requested.v1', 'access-control', {
  permit: 'x.y.z',
  replyKey: Buffer.alloc(32, 1).toString('base64'),
}) as EventOf<'encryption.decrypt-requested.v1'>;
const permit = (institution: string): Permit => ({
  decisionId: 'dec-0042',
  requester: { institution, practitioner: 'prac-1' },
  patient: 'p-abcdefghijklmnop234567',
  resourceTypes: ['Observation'],
  purpose: 'TREAT',
  replyKeyId: '0123456789abcdef',
  expiresAt: '2026-03-01T10:05:00.000Z',
});

describe('the governance alert of a refused decrypt request', () => {
  it.each<[string, Permit | undefined, object]>([
    ['without a verified permit it names only the request and the reason', undefined, { requestId: request.id, reason: 'permit bad-signature' }],
    ['with a verified permit it also names the decision', permit('hosp-b'), { requestId: request.id, reason: 'permit bad-signature', decisionId: 'dec-0042' }],
  ])('%s', (_case, verified, details) => {
    const alert = decryptRefusalAlert(request, 'permit bad-signature', 'encryption', verified);
    expect(alert.data).toMatchObject({ kind: 'decrypt-refused', severity: 'warning', summary: 'decrypt request refused: permit bad-signature', details });
    expect(alert.data.details).toEqual(details);
    expect(alert.causationid).toBe(request.id);
    expect(alert.correlationid).toBe(request.correlationid);
    expect(alert.source).toBe('encryption');
  });

  it.each<[string, string, string | undefined]>([
    ['an institution id is kept', 'hosp-b', 'hosp-b'],
    ['free text in the institution claim is left out (it could name a person)', 'Hospital of Jane Doe', undefined],
    ['an over-long institution claim is left out', `h${'x'.repeat(63)}`, undefined],
  ])('%s', (_case, institution, expected) => {
    expect(decryptRefusalAlert(request, 'permit already used', 'encryption', permit(institution)).data.institution).toBe(expected);
  });
});
