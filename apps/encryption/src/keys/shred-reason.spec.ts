import { randomBytes } from 'node:crypto';
import { shredReasonRef } from './shred-reason';

const secret = randomBytes(32);

describe('shred reasons on the audited topic', () => {
  it('are a keyed reference that does not contain the reason', () => {
    const reference = shredReasonRef(secret, 'TICKET-MRN-00412');
    expect(reference).toMatch(/^sr-[0-9a-f]{40}$/);
    expect(reference.toLowerCase()).not.toContain('00412');
  });

  it('are stable for one reason under one secret, and differ across reasons and secrets', () => {
    expect(shredReasonRef(secret, 'LEGAL/2026/17')).toBe(shredReasonRef(secret, 'LEGAL/2026/17'));
    expect(shredReasonRef(secret, 'LEGAL/2026/17')).not.toBe(shredReasonRef(secret, 'LEGAL/2026/18'));
    expect(shredReasonRef(randomBytes(32), 'LEGAL/2026/17')).not.toBe(shredReasonRef(secret, 'LEGAL/2026/17'));
  });
});
