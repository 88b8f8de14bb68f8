// An institution's working hours in its own time zone: what "off-hours" and "weekend" mean for the off-hours rule.
export interface WorkingHours {
  /** IANA zone, e.g. Europe/Berlin. */
  timeZone: string;
  /** Local hours [start, end): 7 and 19 mean 07:00-18:59. */
  start: number;
  end: number;
  /** ISO weekdays worked, 1 = Monday … 7 = Sunday. */
  days: readonly number[];
}

export const DEFAULT_WORKING_HOURS: WorkingHours = { timeZone: 'UTC', start: 7, end: 19, days: [1, 2, 3, 4, 5] };

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formats = new Map<string, Intl.DateTimeFormat>();

export interface LocalTime {
  /** YYYY-MM-DD in the institution's zone: the off-hours rule counts per local day. */
  date: string;
  hour: number;
  weekday: number;
}

export function localTimeOf(at: number, timeZone: string): LocalTime {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      hourCycle: 'h23',
      weekday: 'short',
    });
    formats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(at)).map((part) => [part.type, part.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour), weekday: WEEKDAYS[parts.weekday] };
}

export function isWorkingTime(local: LocalTime, hours: WorkingHours): boolean {
  return hours.days.includes(local.weekday) && local.hour >= hours.start && local.hour < hours.end;
}

/** Throws with the zone name when Intl does not know it (configuration is validated at start). */
export function checkTimeZone(timeZone: string): void {
  new Intl.DateTimeFormat('en-GB', { timeZone });
}
