// The dead-letter rule, pure: every dead letter counts for the topic it was refused from, in fixed windows aligned
// to the epoch; a window holding more than the limit raises one `dead-letters` alert for that topic and window.
import type { RawMessage } from '@medshare/messaging';
import { alertIdOf } from '../privacy/privacy-rules';

export interface DeadLetterLimits {
  windowMs: number;
  /** Fires when a topic's window holds more dead letters than this (0: the first one). */
  threshold: number;
}

/** Where a dead letter came from and when it was refused: only the `dlq.*` headers are read, never the message. */
export interface DeadLetterFact {
  topic: string;
  group: string;
  at: number;
}

/** The refused message's topic and time (`dlq.time`, else the dead letter's own timestamp); unknown without `dlq.topic`. */
export function deadLetterFact({ headers, timestamp }: RawMessage): DeadLetterFact {
  const at = Date.parse(headers['dlq.time'] ?? '');
  return {
    topic: headers['dlq.topic'] || 'unknown',
    group: headers['dlq.group'] || 'unknown',
    at: Number.isFinite(at) ? at : Number(timestamp),
  };
}

export function windowStartOf(at: number, windowMs: number): number {
  return Math.floor(at / windowMs) * windowMs;
}

export interface DeadLetterFinding {
  alertId: string;
  summary: string;
  at: number;
  details: Record<string, string | number>;
}

/** One alert per topic and window, named by both, so every instance and every rebuild raises the same one. */
export function assessDeadLetters(topic: string, windowStart: number, count: number, at: number, limits: DeadLetterLimits): DeadLetterFinding | undefined {
  if (count <= limits.threshold) return undefined;
  const windowKey = `${topic}@${new Date(windowStart).toISOString()}`;
  return {
    alertId: alertIdOf('dead-letters', windowKey),
    summary: `${count} dead letters from ${topic} since ${new Date(windowStart).toISOString()}, more than ${limits.threshold}`,
    at,
    details: { topic, count, threshold: limits.threshold, windowMs: limits.windowMs, windowKey },
  };
}
