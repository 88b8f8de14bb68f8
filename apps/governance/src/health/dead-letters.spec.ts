// Given dead letters read from their dlq.* headers, when a topic's window is counted, then more than the limit raises
// one dead-letters alert per topic and window, and fewer raise nothing.
import type { RawMessage } from '@medshare/messaging';
import { assessDeadLetters, deadLetterFact, windowStartOf, type DeadLetterLimits } from './dead-letters';

const limits: DeadLetterLimits = { windowMs: 15 * 60_000, threshold: 0 };
const window = Date.parse('2026-12-06T10:00:00Z');
const raw = (headers: Record<string, string>, timestamp = String(window + 5000)): RawMessage => ({
  topic: 'medshare.deadletter.v1',
  partition: 0,
  offset: '7',
  timestamp,
  headers,
});

describe('dead letters', () => {
  it('reads where a dead letter came from and when, from its headers only', () => {
    expect(
      deadLetterFact(raw({ 'dlq.topic': 'medshare.ingest.sealed.v1', 'dlq.group': 'encryption', 'dlq.time': '2026-12-06T10:01:00.000Z', 'dlq.reason': 'x' })),
    ).toEqual({ topic: 'medshare.ingest.sealed.v1', group: 'encryption', at: Date.parse('2026-12-06T10:01:00Z') });
    // Without dlq.* headers (written by hand): the dead letter's own time, topic unknown.
    expect(deadLetterFact(raw({}))).toEqual({ topic: 'unknown', group: 'unknown', at: window + 5000 });
    expect(windowStartOf(Date.parse('2026-12-06T10:14:59Z'), limits.windowMs)).toBe(window);
  });

  it.each<[string, number, DeadLetterLimits, boolean]>([
    ['fires: the first dead letter of a topic (threshold 0)', 1, limits, true],
    ['does not fire: an empty window', 0, limits, false],
    ['does not fire: at a threshold of 5, five dead letters', 5, { ...limits, threshold: 5 }, false],
    ['fires: at a threshold of 5, the sixth', 6, { ...limits, threshold: 5 }, true],
  ])('%s', (_, count, given, fires) => {
    expect(assessDeadLetters('medshare.ingest.sealed.v1', window, count, window + 1000, given) !== undefined).toBe(fires);
  });

  it('names one alert per topic and window, whatever the count when it is judged', () => {
    const first = assessDeadLetters('medshare.ingest.sealed.v1', window, 1, window + 1000, limits);
    expect(assessDeadLetters('medshare.ingest.sealed.v1', window, 9, window + 9000, limits)?.alertId).toBe(first?.alertId);
    expect(assessDeadLetters('medshare.records.encrypted.v1', window, 1, window + 1000, limits)?.alertId).not.toBe(first?.alertId);
    expect(assessDeadLetters('medshare.ingest.sealed.v1', window + limits.windowMs, 1, window + limits.windowMs, limits)?.alertId).not.toBe(first?.alertId);
    expect(first?.details).toMatchObject({ topic: 'medshare.ingest.sealed.v1', count: 1, threshold: 0 });
  });
});
