// The outcome of a verification: success, or the first check that failed, in words.
export type Verdict = { ok: true } | { ok: false; reason: string };

export const VALID: Verdict = Object.freeze({ ok: true });

export function invalid(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
