// `medshare-verify root`: the RFC 9162 root of a list of leaves, to recompute a published root.
import { decodeHex, leafHash, rootFromLeafHashes } from '@medshare/merkle';
import { ExitCode, readJsonFile, UsageError, type Command } from '../cli';

export const rootCommand: Command<'leaves'> = {
  name: 'root',
  summary: 'print the RFC 9162 Merkle root of a list of leaves',
  flags: {
    leaves: { value: 'FILE', description: 'JSON array of the data of each leaf, hex-encoded (not leaf hashes)' },
  },
  example: 'medshare-verify root --leaves leaves.json',
  async run(values, io) {
    const leaves = parseLeafList(await readJsonFile('leaves', values.leaves));
    io.stdout.write(`${rootFromLeafHashes(leaves.map(leafHash)).toString('hex')}\n`);
    return ExitCode.Valid;
  },
};

function parseLeafList(json: unknown): Buffer[] {
  if (!Array.isArray(json)) throw new UsageError('--leaves: the file must hold a JSON array of hex strings');
  return json.map((item, i) => {
    const bytes = typeof item === 'string' ? decodeHex(item) : undefined;
    if (bytes === undefined) throw new UsageError(`--leaves: element ${i} is not a hex string`);
    return bytes;
  });
}
