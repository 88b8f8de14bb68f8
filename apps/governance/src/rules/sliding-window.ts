// The events of one key (a requester, an institution) within the last `windowMs` of event time.
export interface WindowEntry<T> {
  /** The CloudEvent id: a redelivered event is recognised and counted once. */
  id: string;
  /** Event time in epoch ms (the event's own `time`, never the clock: replays decide the same). */
  time: number;
  item: T;
}

/**
 * Deterministic: no clock, no I/O. Time only moves with the events added, so replaying the same events
 * gives the same windows. Entries stay ordered by time; an event older than the window is ignored.
 */
export class SlidingWindow<T> {
  private readonly entries: WindowEntry<T>[] = [];
  private readonly ids = new Set<string>();
  /** How often each item occurs (by SameValueZero): distinct counts stay O(1) however busy the key. */
  private readonly itemCounts = new Map<T, number>();
  private newestTime = Number.NEGATIVE_INFINITY;
  /** A key that raised an alert stays quiet until this event time (one alert per key per window). */
  quietUntil = Number.NEGATIVE_INFINITY;

  constructor(readonly windowMs: number) {}

  /** Adds the entry; false when it was already counted or is older than the window. */
  add(entry: WindowEntry<T>): boolean {
    if (this.ids.has(entry.id) || entry.time <= this.newestTime - this.windowMs) return false;
    // Events from several partitions arrive nearly in order: search the insertion point from the end.
    let at = this.entries.length;
    while (at > 0 && this.entries[at - 1].time > entry.time) at -= 1;
    this.entries.splice(at, 0, entry);
    this.ids.add(entry.id);
    this.itemCounts.set(entry.item, (this.itemCounts.get(entry.item) ?? 0) + 1);
    this.newestTime = Math.max(this.newestTime, entry.time);
    const cutoff = this.newestTime - this.windowMs;
    while (this.entries.length > 0 && this.entries[0].time <= cutoff) this.forget(this.entries.shift()!);
    return true;
  }

  get distinctItems(): number {
    return this.itemCounts.size;
  }

  get contents(): readonly WindowEntry<T>[] {
    return this.entries;
  }

  get newest(): number {
    return this.newestTime;
  }

  private forget({ id, item }: WindowEntry<T>): void {
    this.ids.delete(id);
    const left = (this.itemCounts.get(item) ?? 1) - 1;
    if (left === 0) this.itemCounts.delete(item);
    else this.itemCounts.set(item, left);
  }

  /** Nothing in it can still count, nor is it quiet any more, once event time has moved a window past it. */
  isIdleAt(time: number): boolean {
    return this.newestTime <= time - this.windowMs && this.quietUntil <= time;
  }
}
