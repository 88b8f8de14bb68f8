// Given a stream of rejections, when the detectors see them, then exactly these alerts are raised.
import { envelope, type MedshareEvent } from '@medshare/contracts';
import { Detectors } from './detectors';
import { topIssueCodes, type RulesConfig } from './rules';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const SECOND = 1000;
const config: RulesConfig = {
  'data-quality': { windowMs: 60 * SECOND, threshold: 2 },
};

function rejection(at: number, codes: string[], institution = 'hosp-a'): MedshareEvent {
  return envelope(
    'ingest.rejected.v1',
    'ingestion',
    { institution, requestId: `r-${at}`, status: 422, reasons: codes.map((code) => ({ code })) },
    { time: new Date(T0 + at * SECOND) },
  );
}

/** Alerts as `kind@index of the triggering event`, in order. */
function alertsFor(events: MedshareEvent[]): string[] {
  const detectors = new Detectors(config);
  return events.flatMap((event, index) => detectors.observe(event).map((alert) => `${alert.kind}@${index}`));
}

describe('data-quality', () => {
  it.each<[string, MedshareEvent[], string[]]>([
    ['stays silent at the threshold', [rejection(0, ['required']), rejection(1, ['required'])], []],
    ['fires on the first rejection above the threshold', [rejection(0, ['required']), rejection(1, ['value']), rejection(2, ['required'])], ['data-quality@2']],
    ['keys by institution', [rejection(0, ['x'], 'hosp-a'), rejection(1, ['x'], 'hosp-b'), rejection(2, ['x'], 'hosp-a'), rejection(3, ['x'], 'hosp-b')], []],
    ['forgets rejections that left the window', [rejection(0, ['x']), rejection(30, ['x']), rejection(61, ['x'])], []],
  ])('%s', (_name, events, expected) => {
    expect(alertsFor(events)).toEqual(expected);
  });

  it('names the top issue codes of the window and the institution', () => {
    const detectors = new Detectors(config);
    const [alert] = [rejection(0, ['required', 'value']), rejection(1, ['value']), rejection(2, ['value', 'structure'])].flatMap((event) =>
      detectors.observe(event),
    );
    expect(alert).toMatchObject({
      kind: 'data-quality',
      institution: 'hosp-a',
      severity: 'warning',
      details: { rejected: 3, topIssueCodes: 'value×3, required×1, structure×1' },
    });
  });
});

describe('alert identity and memory', () => {
  const burst = (from: number, institution = 'hosp-a') => [0, 1, 2].map((n) => rejection(from + n, ['required'], institution));

  it('derives the same alert id when the same events are replayed into fresh state', () => {
    const events = burst(0);
    const idsFrom = (detectors: Detectors) => events.flatMap((event) => detectors.observe(event)).map((alert) => alert.alertId);
    const first = idsFrom(new Detectors(config));
    expect(first).toEqual([expect.stringMatching(/^data-quality-[0-9a-f]{40}$/)]);
    expect(idsFrom(new Detectors(config))).toEqual(first);
  });

  it('names the trigger as cause', () => {
    const events = burst(0);
    const detectors = new Detectors(config);
    const [raised] = events.flatMap((event) => detectors.observe(event));
    expect(raised.trigger.id).toBe(events[2].id);
  });

  it('evicts keys that stayed idle for a window and keeps active ones', () => {
    const detectors = new Detectors(config);
    for (const event of [rejection(0, ['x'], 'hosp-old'), rejection(200, ['x'], 'hosp-new')]) detectors.observe(event);
    expect(detectors.trackedKeys).toBe(2);
    expect(detectors.evictIdle()).toBe(1);
    expect(detectors.trackedKeys).toBe(1);
  });

  it('counts a redelivered rejection once', () => {
    const [first, second] = burst(0);
    const detectors = new Detectors(config);
    expect([first, first, second, second].flatMap((event) => detectors.observe(event))).toEqual([]);
  });
});

describe('topIssueCodes', () => {
  it.each<[string, string[][], string]>([
    ['orders by frequency', [['a'], ['b'], ['b']], 'b×2, a×1'],
    ['breaks ties by name', [['z', 'a']], 'a×1, z×1'],
    ['keeps the three most frequent', [['a', 'b', 'c', 'd', 'd']], 'd×2, a×1, b×1'],
    ['is empty without codes', [], ''],
  ])('%s', (_name, rejections, expected) => {
    expect(topIssueCodes(rejections)).toBe(expected);
  });
});
