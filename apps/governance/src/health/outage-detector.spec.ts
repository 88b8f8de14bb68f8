import { OutageDetector } from './outage-detector';

const beat = (instance: string, state: 'up' | 'stopping' = 'up', service: 'ledger' | 'encryption' = 'ledger') => ({
  service,
  instance,
  state,
  intervalMs: 5000,
});

describe('OutageDetector', () => {
  it('raises one critical alert for an instance silent longer than the silence, and one info alert when it is heard again', () => {
    const detector = new OutageDetector(15_000);
    expect(detector.heard(beat('a'), 0)).toEqual([]);
    expect(detector.check(15_000)).toEqual([]);
    const [down] = detector.check(15_001);
    expect(down).toMatchObject({ severity: 'critical', details: { component: 'service', name: 'ledger/a', state: 'down', silentMs: 15_001 } });
    expect(detector.check(40_000)).toEqual([]);
    expect(detector.heard(beat('a'), 41_000)).toEqual([
      expect.objectContaining({ severity: 'info', details: expect.objectContaining({ name: 'ledger/a', state: 'recovered' }) }),
    ]);
    expect(detector.check(50_000)).toEqual([]);
  });

  it('counts a new instance of the same service as the recovery of the instances that went down', () => {
    const detector = new OutageDetector(15_000);
    detector.heard(beat('a'), 0);
    detector.heard(beat('x', 'up', 'encryption'), 0);
    detector.heard(beat('x', 'up', 'encryption'), 20_000);
    expect(detector.check(20_000)).toHaveLength(1);
    const alerts = detector.heard(beat('b'), 21_000);
    expect(alerts).toEqual([expect.objectContaining({ severity: 'info', details: expect.objectContaining({ name: 'ledger/a', state: 'recovered' }) })]);
    expect(detector.check(30_000)).toEqual([]);
  });

  it('raises nothing for a graceful stop, nor for a heartbeat replayed out of order', () => {
    const detector = new OutageDetector(15_000);
    detector.heard(beat('a'), 10_000);
    expect(detector.heard(beat('a'), 5_000)).toEqual([]);
    expect(detector.check(24_000)).toEqual([]);
    detector.heard(beat('a', 'stopping'), 12_000);
    expect(detector.check(60_000)).toEqual([]);
  });

  it('raises a broker outage when a broker leaves the cluster list and a recovery when it returns', () => {
    const detector = new OutageDetector(15_000);
    expect(detector.brokersListed(['h:1', 'h:2', 'h:3'])).toEqual([]);
    expect(detector.brokersListed(['h:1', 'h:3'])).toEqual([
      expect.objectContaining({ severity: 'critical', details: { component: 'broker', name: 'h:2', state: 'down' } }),
    ]);
    expect(detector.brokersListed(['h:1', 'h:3'])).toEqual([]);
    expect(detector.brokersListed(['h:1', 'h:2', 'h:3'])).toEqual([
      expect.objectContaining({ severity: 'info', details: { component: 'broker', name: 'h:2', state: 'recovered' } }),
    ]);
  });
});
