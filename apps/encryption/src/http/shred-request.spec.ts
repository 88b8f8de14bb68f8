import { OperatorError, OperatorErrorCode } from './operator-error';
import { parseShredRequest } from './shred-request';

const patient = 'p-abcdefghijklmnop234567';

describe('shred requests', () => {
  it.each([
    ['a ticket number', 'TICKET-1234'],
    ['a legal reference with separators', 'GDPR-Art.17:req#2026/0042'],
  ])('takes a pseudonym and %s', (_case, reason) => {
    expect(parseShredRequest(patient, { reason })).toEqual({ patient, reason });
  });

  it.each<[string, string, unknown]>([
    ['a raw identifier instead of a pseudonym', 'MRN-12345', { reason: 'TICKET-1' }],
    ['a pseudonym with characters outside base32', 'p-abcdefghijklmnop0189', { reason: 'TICKET-1' }],
    ['no body', patient, undefined],
    ['an empty reason', patient, { reason: '' }],
    ['a reason with a line break (free text)', patient, { reason: 'TICKET-1\nJane Doe' }],
    ['a reason with spaces (free text could name the patient)', patient, { reason: 'Jane Doe' }],
    ['a reason starting with punctuation', patient, { reason: '-TICKET' }],
    ['a reason over 200 characters', patient, { reason: `T${'x'.repeat(200)}` }],
    ['an extra field beside the reason', patient, { reason: 'TICKET-1', name: 'Jane' }],
  ])('refuses %s with 400', (_case, candidate, body) => {
    const refusal = (() => {
      try {
        parseShredRequest(candidate, body);
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(OperatorError);
    expect(refusal).toMatchObject({ code: OperatorErrorCode.InvalidRequest });
    expect((refusal as OperatorError).status).toBe(400);
  });
});
