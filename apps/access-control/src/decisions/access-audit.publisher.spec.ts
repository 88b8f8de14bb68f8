import { setTimeout as sleep } from 'node:timers/promises';
import { topics } from '@medshare/contracts';
import type { EventPublisher } from '@medshare/messaging';
import { AccessAuditPublisher, type DecisionRecord } from './access-audit.publisher';
import type { BreakGlassReasons } from './break-glass-reasons';

/** A publisher whose publish resolves as `answer` does. */
const publisher = (answer: () => Promise<void>) => ({ publish: jest.fn(answer), connect: jest.fn(), disconnect: jest.fn() }) as unknown as EventPublisher;

const record: DecisionRecord = {
  decisionId: '018f9c1e-0000-7000-8000-000000000001',
  requester: { institution: 'hosp-b', practitioner: 'dr-b', role: 'physician' },
  patient: 'p-abcdefghijklmnopqrst',
  purpose: 'TREAT',
  effect: 'permit',
  httpStatus: 200,
  reasons: ['consent permits'],
  breakGlass: false,
  withheldResourceTypes: [],
  requestedResourceTypes: ['Observation'],
};

describe('AccessAuditPublisher', () => {
  it('acknowledges a decision on its own producer, never behind a request the shared producer has in flight', async () => {
    const shared = publisher(() => new Promise<void>(() => undefined));
    const decisions = publisher(async () => undefined);
    const audit = new AccessAuditPublisher(
      shared,
      {} as BreakGlassReasons,
      2_000,
      publisher(async () => undefined),
      decisions,
    );
    const outcome = await Promise.race([audit.decided(record).then(() => 'acknowledged'), sleep(1_000).then(() => 'still waiting')]);
    expect(outcome).toBe('acknowledged');
    expect(decisions.publish).toHaveBeenCalledWith(topics.accessDecisions, [expect.objectContaining({ type: 'access.decision.v1' })], { deadlineMs: 2_000 });
  });
});
