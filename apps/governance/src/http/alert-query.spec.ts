// Given a query string of GET /v1/alerts, then the repository query it becomes, or the 400 it earns.
import { parseAlertQuery, parseQualityQuery, SINCE_RANGE } from './alert-query';
import { GovernanceError, GovernanceErrorCode } from './governance-error';

describe('parseAlertQuery', () => {
  it.each<[string, Record<string, unknown>, object]>([
    ['defaults to the newest 100 of every kind', {}, { limit: 100 }],
    ['filters by kind', { kind: 'break-glass' }, { kind: 'break-glass', limit: 100 }],
    ['filters by time and takes a limit', { since: '2026-01-01T00:00:00Z', limit: '5' }, { since: new Date('2026-01-01T00:00:00Z'), limit: 5 }],
    ['takes the first instant of year 0001', { since: '0001-01-01T00:00:00Z' }, { since: SINCE_RANGE.earliest, limit: 100 }],
    ['takes the last instant of year 9999', { since: '9999-12-31T23:59:59.999Z' }, { since: SINCE_RANGE.latest, limit: 100 }],
  ])('%s', (_name, query, expected) => {
    expect(parseAlertQuery(query)).toEqual(expected);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['refuses an unknown kind', { kind: 'gossip' }, /^kind:/],
    ['refuses a date that is not an instant', { since: 'yesterday' }, /^since:/],
    ['refuses year 0000, which PostgreSQL has not', { since: '0000-01-01T00:00:00Z' }, /^since:/],
    ['refuses an offset that moves the instant into year 0000', { since: '0001-01-01T00:30:00+01:00' }, /^since:/],
    ['refuses an offset that moves the instant past year 9999', { since: '9999-12-31T23:30:00-01:00' }, /^since:/],
    ['refuses a limit above the page size', { limit: '501' }, /^limit:/],
    ['refuses a repeated parameter', { kind: ['break-glass', 'data-quality'] }, /^kind:/],
    // The caller's parameter names are counted, never echoed (issue 9 section 6).
    ['refuses unknown parameters without naming them', { colour: 'red' }, /^(?!.*colour)query: 1 unknown element/],
  ])('%s', (_name, query, message) => {
    let thrown: unknown;
    try {
      parseAlertQuery(query);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GovernanceError);
    expect((thrown as GovernanceError).code).toBe(GovernanceErrorCode.InvalidQuery);
    expect((thrown as GovernanceError).message).toMatch(message);
  });
});

describe('parseQualityQuery', () => {
  const today = new Date('2026-12-06T10:00:00Z');
  it.each<[string, Record<string, unknown>, object]>([
    ['defaults to the 30 days up to today', {}, { from: '2026-11-07', to: '2026-12-06' }],
    [
      'takes a period and an institution',
      { from: '2026-01-01', to: '2026-01-31', institution: 'hosp-a' },
      { from: '2026-01-01', to: '2026-01-31', institution: 'hosp-a' },
    ],
    ['counts 30 days back from a given end', { to: '2026-03-01' }, { from: '2026-01-31', to: '2026-03-01' }],
  ])('%s', (_name, query, expected) => {
    expect(parseQualityQuery(query, today)).toEqual(expected);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['refuses an instant where a day is asked', { from: '2026-01-01T00:00:00Z' }, /^from:/],
    ['refuses a period that ends before it starts', { from: '2026-02-01', to: '2026-01-01' }, /^from:/],
    ['refuses an institution that is no id', { institution: 'Hosp A' }, /^institution:/],
    ['refuses unknown parameters without naming them', { colour: 'red' }, /^(?!.*colour)query: 1 unknown element/],
  ])('%s', (_name, query, message) => {
    expect(() => parseQualityQuery(query, today)).toThrow(message);
  });
});
