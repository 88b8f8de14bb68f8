// Runs every rule over consumed events and says which alerts to raise: deterministic state in, alerts out.
import { createHash } from 'node:crypto';
import type { MedshareEvent } from '@medshare/contracts';
import { rules, type AlertDetails, type Rule, type RuleKind, type RulesConfig, type Severity } from './rules';
import { SlidingWindow } from './sliding-window';

export interface RuleAlert {
  /** Derived from the rule, the key and the triggering event: a replay raises the same id again. */
  alertId: string;
  kind: RuleKind;
  /** What the rule counted by: the institution. */
  windowKey: string;
  /** Event time (epoch ms) of the trigger: when the breach happened, whenever it is replayed. */
  at: number;
  windowMs: number;
  severity: Severity;
  summary: string;
  institution: string;
  details: AlertDetails;
  /** The event that tipped the window over its threshold (the alert's cause). */
  trigger: MedshareEvent;
}

/**
 * The in-memory state of all rules: one sliding window per rule and key. No clock and no I/O, so the
 * same events give the same alerts; a key that alerted stays quiet for one window (no alert storms).
 */
export class Detectors {
  private readonly windows = new Map<RuleKind, Map<string, SlidingWindow<unknown>>>(rules.map((rule) => [rule.kind, new Map()]));
  private newestTime = Number.NEGATIVE_INFINITY;

  constructor(private readonly config: RulesConfig) {}

  observe(event: MedshareEvent): RuleAlert[] {
    const alerts: RuleAlert[] = [];
    for (const rule of rules) {
      const alert = this.apply(rule as Rule<unknown>, event);
      if (alert) alerts.push(alert);
    }
    return alerts;
  }

  /** Forgets keys that went quiet for longer than their window, so memory follows activity, not history. */
  evictIdle(): number {
    let evicted = 0;
    for (const byKey of this.windows.values()) {
      for (const [key, window] of byKey) {
        if (window.isIdleAt(this.newestTime)) {
          byKey.delete(key);
          evicted += 1;
        }
      }
    }
    return evicted;
  }

  get trackedKeys(): number {
    let keys = 0;
    for (const byKey of this.windows.values()) keys += byKey.size;
    return keys;
  }

  private apply(rule: Rule<unknown>, event: MedshareEvent): RuleAlert | undefined {
    const observation = rule.observe(event);
    if (!observation) return undefined;
    const limits = this.config[rule.kind];
    const byKey = this.windows.get(rule.kind)!;
    let window = byKey.get(observation.key);
    if (!window) {
      window = new SlidingWindow(limits.windowMs);
      byKey.set(observation.key, window);
    }
    if (!window.add(observation.entry)) return undefined;
    this.newestTime = Math.max(this.newestTime, observation.entry.time);
    if (observation.entry.time < window.quietUntil) return undefined;
    const finding = rule.assess(observation, window, limits);
    if (!finding) return undefined;
    window.quietUntil = observation.entry.time + limits.windowMs;
    return {
      alertId: alertIdOf(rule.kind, observation.key, event.id),
      kind: rule.kind,
      windowKey: observation.key,
      at: observation.entry.time,
      windowMs: limits.windowMs,
      institution: observation.institution,
      trigger: event,
      ...finding,
    };
  }
}

function alertIdOf(kind: RuleKind, key: string, triggerId: string): string {
  return `${kind}-${createHash('sha256').update(`${kind}\n${key}\n${triggerId}`).digest('hex').slice(0, 40)}`;
}
