// FHIR dateTime values as UTC intervals: a partial date covers its whole year, month or day.

/** Milliseconds since the epoch, both ends inclusive. */
export interface TimeInterval {
  readonly start: number;
  readonly end: number;
}

export type DateTimeParse = { ok: true; interval: TimeInterval } | { ok: false; problem: string };

const DATE_TIME = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** Parses a FHIR dateTime (or instant) into the interval it covers, in UTC. */
export function parseDateTime(text: string): DateTimeParse {
  const m = DATE_TIME.exec(text);
  if (!m) return { ok: false, problem: 'not a FHIR dateTime (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz)' };
  const [, y, mo, d, h, mi, s, fraction, offset] = m;
  const year = Number(y);
  if (h !== undefined && offset === undefined) {
    return { ok: false, problem: 'a time without offset (add Z or ±hh:mm)' };
  }
  if (h !== undefined && s === undefined) {
    return { ok: false, problem: 'a time without seconds' };
  }
  if (mo === undefined) {
    return { ok: true, interval: { start: Date.UTC(year, 0, 1), end: Date.UTC(year + 1, 0, 1) - 1 } };
  }
  const month = Number(mo);
  if (month < 1 || month > 12) return { ok: false, problem: 'no such month' };
  if (d === undefined) {
    return { ok: true, interval: { start: Date.UTC(year, month - 1, 1), end: Date.UTC(year, month, 1) - 1 } };
  }
  const day = Number(d);
  if (day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) {
    return { ok: false, problem: 'no such day in that month' };
  }
  if (h === undefined) {
    return { ok: true, interval: { start: Date.UTC(year, month - 1, day), end: Date.UTC(year, month - 1, day + 1) - 1 } };
  }
  const [hour, minute, second] = [Number(h), Number(mi), Number(s)];
  if (hour > 23 || minute > 59 || second > 59) return { ok: false, problem: 'an impossible time' };
  const offsetMinutes = offset === 'Z' || offset === undefined ? 0 : offsetToMinutes(offset);
  if (offsetMinutes === null) return { ok: false, problem: 'an impossible offset' };
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  const start = local - offsetMinutes * 60_000 + (fraction ? Math.floor(Number(fraction) * 1000) : 0);
  // Without a fraction the value is precise to the second, so it covers that whole second.
  return { ok: true, interval: { start, end: fraction ? start : start + 999 } };
}

function offsetToMinutes(offset: string): number | null {
  const hours = Number(offset.slice(1, 3));
  const minutes = Number(offset.slice(4, 6));
  if (hours > 14 || minutes > 59) return null;
  return (offset[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

/** A period from optional start and end; an open end is unbounded. */
export function periodInterval(start: TimeInterval | undefined, end: TimeInterval | undefined): TimeInterval {
  return { start: start ? start.start : -Infinity, end: end ? end.end : Infinity };
}

export function contains(outer: TimeInterval, inner: TimeInterval): boolean {
  return outer.start <= inner.start && inner.end <= outer.end;
}

export function overlaps(a: TimeInterval, b: TimeInterval): boolean {
  return a.start <= b.end && b.start <= a.end;
}
