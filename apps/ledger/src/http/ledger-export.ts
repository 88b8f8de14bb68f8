// Writes the committed chain, as one replica holding the committed head stores it, in the export
// format `medshare-verify file` verifies offline (JSON Lines, tools/verify/src/ledger/export-file.ts):
// a description line, then each block followed by its event rows with leaf index and canonical bytes.
import type { Replica } from '../replica/replica';

const PAGE_HEIGHTS = 50;

/** Writes the export of heights 0..headHeight through `write`, on one snapshot of `replica`. */
export async function writeLedgerExport(
  replica: Replica,
  headHeight: number,
  write: (line: string) => Promise<void>,
): Promise<{ blocks: number; events: number }> {
  return replica.snapshot(async (reader) => {
    await write(
      `${JSON.stringify({ format: 'medshare-ledger-export', version: 1, source: replica.address, exportedAt: new Date().toISOString(), height: headHeight })}\n`,
    );
    let blocks = 0;
    let events = 0;
    for (let from = 0; from <= headHeight; from += PAGE_HEIGHTS) {
      const to = Math.min(headHeight, from + PAGE_HEIGHTS - 1);
      const [stored, rows] = await Promise.all([reader.storedBlocks(from, to), reader.events(from, to)]);
      let next = 0;
      for (const block of stored) {
        const { header, blockHash, signature, checkpoint, treeState } = block;
        await write(`${JSON.stringify({ kind: 'block', header, blockHash, signature, checkpoint, treeState })}\n`);
        blocks += 1;
        // Rows come by height then leaf index: this block's are the run at its height.
        while (next < rows.length && rows[next].height < block.height) next += 1;
        for (; next < rows.length && rows[next].height === block.height; next += 1) {
          const { leafIndex, height, eventId, topic, partition, offset, leafHash, canonical } = rows[next];
          await write(
            `${JSON.stringify({ kind: 'event', leafIndex, height, eventId, topic, partition, offset, leafHash: leafHash.toString('hex'), canonical: canonical.toString('base64') })}\n`,
          );
          events += 1;
        }
      }
    }
    return { blocks, events };
  });
}
