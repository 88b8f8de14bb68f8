// Given alert counts per kind and severity, then the totals the summary reports.
import { summarise } from './summary';

describe('summarise', () => {
  const deadLetters = [{ topic: 'medshare.ingest.sealed.v1', total: 3, lastDay: 1, lastAt: '2026-01-01T09:00:00.000Z' }];
  const consumed = { since: '2026-01-01T00:00:00.000Z', byTopic: { 'medshare.access.decisions.v1': 12 } };

  it('totals per kind, per severity and overall', () => {
    const summary = summarise(
      [
        { kind: 'break-glass', severity: 'critical', count: 2 },
        { kind: 'denied-spike', severity: 'critical', count: 1 },
        { kind: 'denied-spike', severity: 'warning', count: 3 },
      ],
      '2026-01-01T10:00:00.000Z',
      consumed,
      deadLetters,
    );
    expect(summary).toEqual({
      alerts: {
        total: 6,
        byKind: { 'break-glass': { critical: 2, total: 2 }, 'denied-spike': { critical: 1, warning: 3, total: 4 } },
        bySeverity: { critical: 3, warning: 3 },
        lastAlertAt: '2026-01-01T10:00:00.000Z',
      },
      consumed,
      deadLetters,
    });
  });

  it('reports an empty store as zero with no last alert', () => {
    expect(summarise([], null, consumed, []).alerts).toEqual({ total: 0, byKind: {}, bySeverity: {}, lastAlertAt: null });
  });
});
