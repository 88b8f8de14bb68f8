// The chain's read position in Kafka: the next offset of every topic partition it has read, and the
// exact offset ranges a block covers (each range starts where the previous block left that partition).
import type { OffsetRange } from './block-header';

/** "topic:partition" -> next offset to read, as a decimal string. */
export type OffsetCursor = Readonly<Record<string, string>>;

export interface Positioned {
  topic: string;
  partition: number;
  offset: string;
}

export function cursorKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

export function parseCursorKey(key: string): { topic: string; partition: number } {
  const at = key.lastIndexOf(':');
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

/**
 * The ranges covering `events` (in consumption order): per partition from the position it was read
 * from (so offsets without events, such as transaction markers, stay inside a range) to its last event.
 */
export function rangesOf(positions: OffsetCursor, events: readonly Positioned[]): OffsetRange[] {
  const ranges = new Map<string, OffsetRange>();
  for (const { topic, partition, offset } of events) {
    const key = cursorKey(topic, partition);
    const range = ranges.get(key);
    if (range) range.last = offset;
    else ranges.set(key, { topic, partition, first: positions[key] ?? offset, last: offset });
  }
  return [...ranges.values()].sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}

export function advanceCursor(cursor: OffsetCursor, ranges: readonly OffsetRange[]): OffsetCursor {
  const next: Record<string, string> = { ...cursor };
  for (const range of ranges) next[cursorKey(range.topic, range.partition)] = (BigInt(range.last) + 1n).toString();
  return next;
}

/** Same keys and offsets, whatever the key order (jsonb reorders keys). */
export function sameCursor(a: OffsetCursor, b: OffsetCursor): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
