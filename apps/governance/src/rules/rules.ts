// The data-quality rule: which events it watches, what it keys them by, and when a window breaches it.
import type { EventData, MedshareEvent } from '@medshare/contracts';
import type { SlidingWindow, WindowEntry } from './sliding-window';

/** The access rules live in src/privacy (state in PostgreSQL); this in-memory window keeps data quality per institution. */
export type RuleKind = 'data-quality';
export type Severity = EventData<'governance.alert.v1'>['severity'];
export type AlertDetails = Record<string, string | number | boolean>;

export interface RuleLimits {
  windowMs: number;
  /** The rule fires when a window holds more than this. */
  threshold: number;
}

export type RulesConfig = Record<RuleKind, RuleLimits>;

/** What one event contributes to one key's window. */
export interface Observation<T> {
  key: string;
  institution: string;
  entry: WindowEntry<T>;
}

export interface Finding {
  severity: Severity;
  summary: string;
  details: AlertDetails;
}

export interface Rule<T> {
  kind: RuleKind;
  observe(event: MedshareEvent): Observation<T> | undefined;
  assess(observation: Observation<T>, window: SlidingWindow<T>, limits: RuleLimits): Finding | undefined;
}

/** An institution whose submissions keep failing validation: its feed is broken, say where. */
export const dataQuality: Rule<readonly string[]> = {
  kind: 'data-quality',
  observe(event) {
    if (event.type !== 'ingest.rejected.v1') return undefined;
    const { institution, reasons } = event.data;
    return {
      key: institution,
      institution,
      entry: entryOf(
        event,
        reasons.map((reason) => reason.code),
      ),
    };
  },
  assess({ institution }, window, { windowMs, threshold }) {
    const rejected = window.contents.length;
    if (rejected <= threshold) return undefined;
    const codes = topIssueCodes(window.contents.map((entry) => entry.item));
    return {
      severity: 'warning',
      summary: `${rejected} submissions from ${institution} rejected within ${minutes(windowMs)} (limit ${threshold}); top issues: ${codes || 'none'}`,
      details: { rejected, topIssueCodes: codes, windowMs, threshold },
    };
  },
};

export const rules = [dataQuality] as const;

/** The three most frequent FHIR issue codes as `code×count`, most frequent first (ties by name). */
export function topIssueCodes(rejections: readonly (readonly string[])[], top = 3): string {
  const counts = new Map<string, number>();
  for (const codes of rejections) for (const code of codes) counts.set(code, (counts.get(code) ?? 0) + 1);
  return [...counts]
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .slice(0, top)
    .map(([code, count]) => `${code}×${count}`)
    .join(', ');
}

function entryOf<T>(event: MedshareEvent, item: T): WindowEntry<T> {
  return { id: event.id, time: Date.parse(event.time), item };
}

function minutes(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}
