// `medshare-verify export`: copies a replica, on one snapshot, into the JSON Lines export file that
// `file` verifies offline. It copies, it does not judge: verify the file (or the replica) for a verdict.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { ExitCode, parseDatabaseUrl, UsageError, type Command } from '../cli';
import { blockLine, descriptionLine, eventLine } from '../ledger/export-file';
import type { LedgerEvent } from '../ledger/ledger-verifier';
import { onReplicaSnapshot } from '../ledger/replica-snapshot';

export const exportCommand: Command<'url' | 'out'> = {
  name: 'export',
  summary: 'export a whole ledger replica to a JSON Lines file for offline verification',
  flags: {
    url: { value: 'postgres://...', description: 'connection string of the replica database (read-only use)' },
    out: { value: 'LEDGER.jsonl', description: 'the file to write (replaced if it exists)' },
  },
  example: 'medshare-verify export --url postgres://auditor@db.example:5432/ledger --out ledger.jsonl',
  async run(values, io) {
    const { url, where } = parseDatabaseUrl(values.url);
    const out = createWriteStream(values.out);
    await once(out, 'open').catch((error: Error) => {
      throw new UsageError(`--out: cannot write ${values.out}: ${error.message}`);
    });
    const counts = await onReplicaSnapshot(url, async (source) => {
      const height = await source.headHeight();
      await write(out, descriptionLine({ source: where, exportedAt: new Date().toISOString(), height }));
      let blocks = 0;
      let events = 0;
      for await (const page of source.rows()) {
        const byHeight = new Map<number, LedgerEvent[]>();
        for (const event of page.events) byHeight.set(event.height, [...(byHeight.get(event.height) ?? []), event]);
        for (const block of page.blocks) {
          await write(out, blockLine(block));
          for (const event of byHeight.get(block.header.height) ?? []) await write(out, eventLine(event));
          events += byHeight.get(block.header.height)?.length ?? 0;
          byHeight.delete(block.header.height);
          blocks += 1;
        }
        // Rows under no block are exported too, after the page: the verifier must see them to report them.
        for (const event of [...byHeight.values()].flat()) await write(out, eventLine(event));
      }
      for (const event of await source.eventsOutside(height)) await write(out, eventLine(event));
      return { height, blocks, events };
    });
    out.end();
    await once(out, 'finish');
    io.stdout.write(`exported ${counts.blocks} blocks and ${counts.events} events (height ${counts.height}) from ${where} to ${values.out}\n`);
    return ExitCode.Valid;
  },
};

/** Writes a line, waiting when the stream's buffer is full. */
async function write(out: Writable, line: string): Promise<void> {
  if (!out.write(line)) await once(out, 'drain');
}
