// A produce request's record batch per partition must stay under the broker's message.max.bytes (1 MiB by
// default), or the broker refuses the whole batch. Sizes here are the bytes kafkajs puts on the wire before
// compression, headers included; the limit leaves room for the batch's own framing.
import type { Message } from 'kafkajs';

export const MAX_SEND_BYTES = 512 * 1024;

export function sizeOf({ key, value, headers }: Message): number {
  let bytes = (key?.length ?? 0) + (value?.length ?? 0);
  for (const [name, header] of Object.entries(headers ?? {})) {
    bytes += name.length;
    for (const part of Array.isArray(header) ? header : [header]) bytes += part?.length ?? 0;
  }
  return bytes;
}

/** The messages in order, cut into runs of at most `maxBytes` each (a single larger message is a run of its own). */
export function bySize(messages: readonly Message[], maxBytes = MAX_SEND_BYTES): Message[][] {
  const runs: Message[][] = [];
  let run: Message[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = sizeOf(message);
    if (run.length > 0 && bytes + size > maxBytes) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(message);
    bytes += size;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
