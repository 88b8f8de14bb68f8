import { OutageDetector } from './outage-detector';

const beat = (instance: string, state: 'up' | 'stopping' = 'up', service: 'ledger' | 'encryption' = 'ledger') => ({
  service,
  instance,
  state,
  intervalMs: 5000,
});

/** Heartbeats of `instances` sent and arrived every second from `from` to `to` (a steady bus). */
function steady(detector: OutageDetector, instances: readonly string[], from: number, to: number) {
  const alerts = [];
  for (let at = from; at <= to; at += 1000) for (const instance of instances) alerts.push(...detector.heard(beat(instance), at, at), ...detector.check(at));
  return alerts;
}

describe('OutageDetector', () => {
  it('raises one critical alert for an instance silent longer than the silence while others are heard, and one info alert when it is heard again', () => {
    const detector = new OutageDetector(15_000);
    detector.heard(beat('a'), 0, 0);
    expect(steady(detector, ['b'], 0, 15_000)).toEqual([]);
    const [down, ...more] = steady(detector, ['b'], 16_000, 16_000);
    expect(more).toEqual([]);
    expect(down).toMatchObject({ severity: 'critical', details: { component: 'service', name: 'ledger/a', state: 'down', silentMs: 16_000 } });
    expect(steady(detector, ['b'], 17_000, 40_000)).toEqual([]);
    expect(detector.heard(beat('a'), 41_000, 41_000)).toEqual([
      expect.objectContaining({ severity: 'info', alertId: expect.any(String), details: expect.objectContaining({ name: 'ledger/a', state: 'recovered' }) }),
    ]);
    expect(steady(detector, ['a', 'b'], 42_000, 60_000)).toEqual([]);
  });

  it('raises no service outage while the bus delivers nothing (a leader moving), and one bus alert when that lasts', () => {
    const detector = new OutageDetector(15_000);
    expect(steady(detector, ['a', 'b', 'c'], 0, 10_000)).toEqual([]);
    // Nothing arrives for 25 s; then everyone's heartbeats again, one service a few seconds after the others.
    const stalled = [19_000, 25_000, 30_000, 35_000].flatMap((now) => detector.check(now));
    expect(stalled).toEqual([expect.objectContaining({ severity: 'critical', details: expect.objectContaining({ component: 'bus', state: 'down' }) })]);
    const resumed = [...steady(detector, ['a', 'b'], 35_000, 44_000), ...steady(detector, ['a', 'b', 'c'], 45_000, 60_000)];
    expect(resumed).toEqual([expect.objectContaining({ severity: 'info', details: expect.objectContaining({ component: 'bus', state: 'recovered' }) })]);
  });

  it('still raises a service that died during a stall once the bus has delivered for the silence again', () => {
    const detector = new OutageDetector(15_000);
    steady(detector, ['a', 'b'], 0, 10_000);
    const alerts = steady(detector, ['b'], 30_000, 50_000).filter(({ details }) => details.component === 'service');
    expect(alerts).toEqual([expect.objectContaining({ details: expect.objectContaining({ name: 'ledger/a', state: 'down' }) })]);
  });

  it('raises no bus alert for a stall that a broker down explains', () => {
    const detector = new OutageDetector(15_000);
    detector.brokersSeen(['h:1', 'h:2', 'h:3'], new Set(['h:1', 'h:2', 'h:3']));
    steady(detector, ['a'], 0, 5_000);
    expect(detector.brokersSeen(['h:1', 'h:2', 'h:3'], new Set(['h:2', 'h:3']))).toHaveLength(1);
    expect(detector.check(30_000)).toEqual([]);
  });

  it('replays its predecessor: an instance heard only in the replay goes down after the silence, and its successor ends that outage', () => {
    const detector = new OutageDetector(15_000);
    // Replayed at start: governance instance g1's last heartbeats, then this instance g2 (all arriving at once).
    for (const at of [0, 5_000, 10_000]) detector.heard({ ...beat('g1'), service: 'ledger' }, at, 100_000);
    detector.heard(beat('g2'), 90_000, 100_000);
    const alerts = steady(detector, ['g2'], 100_000, 120_000);
    expect(alerts.map(({ details }) => [details.name, details.state])).toEqual([
      ['ledger/g1', 'down'],
      ['ledger/g1', 'recovered'],
    ]);
    // The same replay elsewhere (another start, another instance) derives the same alert ids: raised once.
    const again = new OutageDetector(15_000);
    for (const at of [0, 5_000, 10_000]) again.heard(beat('g1'), at, 200_000);
    again.heard(beat('g2'), 90_000, 200_000);
    expect(steady(again, ['g2'], 200_000, 220_000).map(({ alertId }) => alertId)).toEqual(alerts.map(({ alertId }) => alertId));
  });

  it('counts a new instance of the same service as the recovery of the instances that went down', () => {
    const detector = new OutageDetector(15_000);
    detector.heard(beat('a'), 0, 0);
    expect(steady(detector, ['x'], 0, 20_000)).toHaveLength(1);
    const alerts = detector.heard(beat('b'), 21_000, 21_000);
    expect(alerts).toEqual([expect.objectContaining({ severity: 'info', details: expect.objectContaining({ name: 'ledger/a', state: 'recovered' }) })]);
    expect(steady(detector, ['x', 'b'], 22_000, 40_000)).toEqual([]);
  });

  it('raises nothing for a graceful stop, nor for a heartbeat replayed out of order', () => {
    const detector = new OutageDetector(15_000);
    detector.heard(beat('a'), 10_000, 10_000);
    expect(detector.heard(beat('a'), 5_000, 10_500)).toEqual([]);
    detector.heard(beat('a', 'stopping'), 12_000, 12_000);
    expect(steady(detector, ['b'], 12_000, 60_000)).toEqual([]);
  });

  it('raises a broker outage when a broker leaves the cluster list or stops answering, and a recovery when it is back', () => {
    const detector = new OutageDetector(15_000);
    const all = new Set(['h:1', 'h:2', 'h:3']);
    expect(detector.brokersSeen(['h:1', 'h:2', 'h:3'], all)).toEqual([]);
    expect(detector.brokersSeen(['h:1', 'h:3'], all)).toEqual([
      expect.objectContaining({ severity: 'critical', details: expect.objectContaining({ component: 'broker', name: 'h:2', state: 'down' }) }),
    ]);
    expect(detector.brokersSeen(['h:1', 'h:3'], all)).toEqual([]);
    expect(detector.brokersSeen(['h:1', 'h:2', 'h:3'], all)).toEqual([
      expect.objectContaining({ severity: 'info', details: expect.objectContaining({ component: 'broker', name: 'h:2', state: 'recovered' }) }),
    ]);
  });

  it('asks the brokers one by one only while heartbeats stall or a broker is down', () => {
    const detector = new OutageDetector(15_000);
    expect(detector.brokersInDoubt(0)).toBe(true);
    steady(detector, ['a'], 0, 5_000);
    expect(detector.brokersInDoubt(6_000)).toBe(false);
    expect(detector.brokersInDoubt(13_000)).toBe(true);
    steady(detector, ['a'], 13_000, 14_000);
    detector.brokersSeen(['h:1', 'h:2'], new Set(['h:1']));
    expect(detector.brokersInDoubt(14_500)).toBe(true);
  });

  it('raises two brokers that stop answering while the survivor still lists them (no controller majority), and says the platform cannot write', () => {
    const detector = new OutageDetector(15_000);
    const listed = ['h:1', 'h:2', 'h:3'];
    detector.brokersSeen(listed, new Set(listed));
    const down = detector.brokersSeen(listed, new Set(['h:3']));
    expect(down.map(({ details }) => [details.name, details.state, details.reachable])).toEqual([
      ['h:1', 'down', 1],
      ['h:2', 'down', 1],
    ]);
    expect(down[1].summary).toMatch(/too few for the platform to write/);
    expect(detector.brokersSeen(listed, new Set(listed)).map(({ details }) => details.state)).toEqual(['recovered', 'recovered']);
  });
});
