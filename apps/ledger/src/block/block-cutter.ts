// Decides when the events waiting for a block are cut into one: at a count or an age, whichever first.
export class BlockCutter<T> {
  private waiting: T[] = [];
  private oldestArrival = 0;

  constructor(
    private readonly maxEvents: number,
    private readonly maxAgeMs: number,
  ) {}

  get size(): number {
    return this.waiting.length;
  }

  add(item: T, now: number): void {
    if (this.waiting.length === 0) this.oldestArrival = now;
    this.waiting.push(item);
  }

  /** A block is due when it is full, or when its oldest event has waited the maximum age. */
  due(now: number): boolean {
    return this.waiting.length >= this.maxEvents || (this.waiting.length > 0 && now - this.oldestArrival >= this.maxAgeMs);
  }

  /** Milliseconds until the waiting events become due by age (undefined when nothing waits). */
  msUntilDue(now: number): number | undefined {
    if (this.waiting.length === 0) return undefined;
    return Math.max(0, this.oldestArrival + this.maxAgeMs - now);
  }

  /** Takes the oldest events, at most one block's worth; the rest keep their (conservative) age. */
  cut(): T[] {
    const block = this.waiting.slice(0, this.maxEvents);
    this.waiting = this.waiting.slice(this.maxEvents);
    return block;
  }

  /** Drops everything waiting (the writer stepped down: the next one re-reads from the chain's cursor). */
  clear(): void {
    this.waiting = [];
  }
}
