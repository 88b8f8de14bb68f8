import { HealthAlerts, replicaCondition, type ReplicaCondition } from './health-alerts';

const replica = { name: 'replica-3', address: '127.0.0.1:55435/ledger' };
const quorum = { writable: 1, replicas: 3, needed: 2 };
const down: ReplicaCondition = { state: 'down', reason: 'connection refused' };
const behind: ReplicaCondition = { state: 'behind', lag: 40 };
const healthy: ReplicaCondition = { state: 'healthy' };

describe('HealthAlerts', () => {
  it.each<[string, ReplicaCondition[], (string | undefined)[]]>([
    ['a healthy replica raises nothing', [healthy, healthy], [undefined, undefined]],
    ['going down warns once, however many retries see it down', [down, down, down], ['warning', undefined, undefined]],
    ['falling behind warns once', [behind, behind], ['warning', undefined]],
    ['down then behind while catching up is one outage, not two', [down, behind, healthy], ['warning', undefined, 'info']],
    ['recovering is announced once, and a new outage warns again', [down, healthy, healthy, down], ['warning', 'info', undefined, 'warning']],
  ])('%s', (_case, conditions, severities) => {
    const alerts = new HealthAlerts('chain-a');
    expect(conditions.map((condition) => alerts.replica(replica, condition)?.severity)).toEqual(severities);
  });

  it('names the replica, its address, the chain and the state in a replica alert', () => {
    const alerts = new HealthAlerts('chain-a');
    expect(alerts.replica(replica, down)).toMatchObject({
      kind: 'replica-unhealthy',
      details: { replica: 'replica-3', address: replica.address, chain: 'chain-a', state: 'down', reason: 'connection refused' },
    });
    expect(alerts.replica(replica, healthy)).toMatchObject({ kind: 'replica-unhealthy', severity: 'info', details: { state: 'recovered' } });
  });

  it.each<[string, ('lost' | 'back')[], (string | undefined)[]]>([
    ['quorum back without a loss raises nothing', ['back'], [undefined]],
    ['losing the quorum is critical once, however many retries fail', ['lost', 'lost', 'lost'], ['critical', undefined, undefined]],
    ['quorum back after a loss is announced once', ['lost', 'back', 'back', 'lost'], ['critical', 'info', undefined, 'critical']],
  ])('%s', (_case, steps, severities) => {
    const alerts = new HealthAlerts('chain-a');
    const raised = steps.map((step) => (step === 'lost' ? alerts.quorumLostNow(quorum) : alerts.quorumBack(quorum)));
    expect(raised.map((alert) => alert?.severity)).toEqual(severities);
    expect(raised.filter((alert) => alert !== undefined).every((alert) => alert.kind === 'quorum-lost' && alert.details?.chain === 'chain-a')).toBe(true);
  });
});

describe('replicaCondition', () => {
  it.each<[string, Parameters<typeof replicaCondition>[0], ReplicaCondition['state']]>([
    ['without a writer session it is down', { holdsLock: false, inSync: true, height: 10, committedHeight: 10 }, 'down'],
    ['in sync it is healthy', { holdsLock: true, inSync: true, height: 10, committedHeight: 10 }, 'healthy'],
    ['catching up within the threshold it is healthy', { holdsLock: true, inSync: false, height: 5, committedHeight: 10 }, 'healthy'],
    ['past the threshold it is behind', { holdsLock: true, inSync: false, height: 4, committedHeight: 10 }, 'behind'],
    ['with an unknown head it counts as holding nothing', { holdsLock: true, inSync: false, committedHeight: 10 }, 'behind'],
  ])('%s', (_case, observed, state) => {
    expect(replicaCondition(observed, 5).state).toBe(state);
  });

  it.each([
    ['down says why its session was lost', { holdsLock: false, inSync: false, committedHeight: 10, problem: 'no answer within 5000 ms' }],
    [
      'behind says why it stopped being fed',
      { holdsLock: true, inSync: false, height: 2, committedHeight: 10, problem: 'not keeping up: 8 block writes were waiting for it' },
    ],
  ])('%s', (_case, observed) => {
    expect(replicaCondition(observed, 5)).toMatchObject({ reason: observed.problem });
  });
});
