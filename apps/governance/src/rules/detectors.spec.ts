// Given a stream of decisions and rejections, when the detectors see them, then exactly these alerts are raised.
import { envelope, type MedshareEvent } from '@medshare/contracts';
import { Detectors } from './detectors';
import { topIssueCodes, type RulesConfig } from './rules';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const SECOND = 1000;
const config: RulesConfig = {
  'access-volume': { windowMs: 60 * SECOND, threshold: 3 },
  'denied-spike': { windowMs: 60 * SECOND, threshold: 3 },
  'data-quality': { windowMs: 60 * SECOND, threshold: 2 },
};

const patient = (n: number) => `p-${'a'.repeat(15)}${'abcdefghijklmnopqrstuvwxyz234567'[n]}`;

function decision(effect: 'permit' | 'deny', at: number, { institution = 'hosp-a', practitioner = 'dr-1', patientNo = 0 } = {}): MedshareEvent {
  return envelope(
    'access.decision.v1',
    'access-control',
    {
      decisionId: `d-${at}-${practitioner}-${patientNo}`,
      requester: { institution, practitioner },
      patient: patient(patientNo),
      purpose: 'TREAT',
      effect,
      httpStatus: effect === 'permit' ? 200 : 403,
      reasons: [],
      breakGlass: false,
      withheldResourceTypes: [],
      requestedResourceTypes: ['Observation'],
    },
    { subject: patient(patientNo), time: new Date(T0 + at * SECOND) },
  );
}

function rejection(at: number, codes: string[], institution = 'hosp-a'): MedshareEvent {
  return envelope('ingest.rejected.v1', 'ingestion', { institution, requestId: `r-${at}`, status: 422, reasons: codes.map((code) => ({ code })) }, { time: new Date(T0 + at * SECOND) });
}

/** Alerts as `kind@index of the triggering event`, in order. */
function alertsFor(events: MedshareEvent[]): string[] {
  const detectors = new Detectors(config);
  return events.flatMap((event, index) => detectors.observe(event).map((alert) => `${alert.kind}@${index}`));
}

const reads = (count: number, from = 0, options: { practitioner?: string; institution?: string } = {}) =>
  Array.from({ length: count }, (_, n) => decision('permit', from + n, { ...options, patientNo: n }));
const denials = (count: number, from = 0, options: { practitioner?: string; institution?: string } = {}) =>
  Array.from({ length: count }, (_, n) => decision('deny', from + n, { ...options, practitioner: options.practitioner ?? `dr-${n}`, patientNo: 0 }));

describe('access-volume', () => {
  it.each<[string, MedshareEvent[], string[]]>([
    ['stays silent at the threshold', reads(3), []],
    ['fires on the first patient above the threshold', reads(4), ['access-volume@3']],
    ['counts a patient read again only once', [...reads(3), decision('permit', 4, { patientNo: 1 }), decision('permit', 5, { patientNo: 2 })], []],
    ['forgets reads that left the window', [...reads(3), decision('permit', 70, { patientNo: 9 })], []],
    [
      'still counts a patient whose earlier read left the window but a later one did not',
      [decision('permit', 0, { patientNo: 1 }), decision('permit', 50, { patientNo: 1 }), decision('permit', 55, { patientNo: 2 }), decision('permit', 56, { patientNo: 3 }), decision('permit', 65, { patientNo: 4 })],
      ['access-volume@4'],
    ],
    ['keeps practitioners apart', [...reads(3, 0, { practitioner: 'dr-1' }), ...reads(3, 0, { practitioner: 'dr-2' })], []],
    ['keeps the same practitioner id of two institutions apart', [...reads(3, 0, { institution: 'hosp-a' }), ...reads(3, 0, { institution: 'hosp-b' })], []],
    ['raises one alert per window however long the burst', reads(20), ['access-volume@3']],
    ['raises again once the quiet window has passed', [...reads(5, 0), ...reads(5, 65)], ['access-volume@3', 'access-volume@8']],
    ['counts denied reads too (asking is the signal)', Array.from({ length: 4 }, (_, n) => decision('deny', n, { patientNo: n })), ['access-volume@3', 'denied-spike@3']],
  ])('%s', (_name, events, expected) => {
    expect(alertsFor(events)).toEqual(expected);
  });
});

describe('denied-spike', () => {
  it.each<[string, MedshareEvent[], string[]]>([
    ['ignores permits', Array.from({ length: 10 }, (_, n) => decision('permit', n)), []],
    ['stays silent at the threshold', denials(3), []],
    ['fires on the first denial above the threshold', denials(4), ['denied-spike@3']],
    ['keys by the requesting institution', [...denials(3, 0, { institution: 'hosp-a' }), ...denials(3, 0, { institution: 'hosp-b' })], []],
    ['forgets denials that left the window', [...denials(3, 0), ...denials(1, 61)], []],
    ['raises one alert per window for a long burst', denials(30), ['denied-spike@3']],
    ['raises again after the quiet window', [...denials(4, 0), ...denials(4, 70)], ['denied-spike@3', 'denied-spike@7']],
    ['ignores a late denial older than the window', [...denials(3, 100), decision('deny', 10, { practitioner: 'dr-late' })], []],
    ['counts a late denial still inside the window', [...denials(3, 100), decision('deny', 50, { practitioner: 'dr-late' })], ['denied-spike@3']],
  ])('%s', (_name, events, expected) => {
    expect(alertsFor(events)).toEqual(expected);
  });

  it('counts a redelivered event once', () => {
    const [first, ...rest] = denials(3);
    expect(alertsFor([first, first, first, ...rest])).toEqual([]);
  });
});

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
    const [alert] = [rejection(0, ['required', 'value']), rejection(1, ['value']), rejection(2, ['value', 'structure'])].flatMap((event) => detectors.observe(event));
    expect(alert).toMatchObject({ kind: 'data-quality', institution: 'hosp-a', severity: 'warning', details: { rejected: 3, topIssueCodes: 'value×3, required×1, structure×1' } });
  });
});

describe('alert identity and memory', () => {
  it('derives the same alert id when the same events are replayed into fresh state', () => {
    const events = denials(4);
    const idsFrom = (detectors: Detectors) => events.flatMap((event) => detectors.observe(event)).map((alert) => alert.alertId);
    const first = idsFrom(new Detectors(config));
    expect(first).toEqual([expect.stringMatching(/^denied-spike-[0-9a-f]{40}$/)]);
    expect(idsFrom(new Detectors(config))).toEqual(first);
  });

  it('names the trigger as cause and keeps patient pseudonyms out of the alert', () => {
    const events = reads(4);
    const detectors = new Detectors(config);
    const [alert] = events.flatMap((event) => detectors.observe(event));
    expect(alert.trigger.id).toBe(events[3].id);
    expect(JSON.stringify({ ...alert, trigger: undefined })).not.toMatch(/p-a{15}/);
  });

  it('evicts keys that stayed idle for a window and keeps active ones', () => {
    const detectors = new Detectors(config);
    for (const event of [...reads(2, 0, { practitioner: 'dr-old' }), ...reads(2, 200, { practitioner: 'dr-new' })]) detectors.observe(event);
    expect(detectors.trackedKeys).toBe(2);
    expect(detectors.evictIdle()).toBe(1);
    expect(detectors.trackedKeys).toBe(1);
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
