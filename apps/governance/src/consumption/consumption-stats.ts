// Counts of events handled per topic since this process started (the summary's "consumed" figures).
export class ConsumptionStats {
  private readonly byTopic = new Map<string, number>();
  readonly since = new Date().toISOString();

  record(topic: string, count: number): void {
    this.byTopic.set(topic, (this.byTopic.get(topic) ?? 0) + count);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.byTopic].sort(([a], [b]) => a.localeCompare(b)));
  }
}
