// `medshare-verify bundle`: checks a proof bundle from GET /v1/events/:eventId/proof against the
// ledger's public key, the only thing an auditor has to trust.
import { verifyProofBundle } from '@medshare/merkle';
import { loadPublicKey, readJsonFile, report, type Command } from '../cli';

export const bundleCommand: Command<'file' | 'public-key'> = {
  name: 'bundle',
  summary: 'check a proof bundle served by GET /v1/events/:eventId/proof',
  flags: {
    file: { value: 'PROOF.json', description: 'the proof bundle' },
    'public-key': { value: 'KEY', description: 'Ed25519 public key of the ledger: a file, or inline PEM or base64 of the raw 32 bytes' },
  },
  example: 'medshare-verify bundle --file proof.json --public-key ledger.pub.pem',
  async run(values, io) {
    const publicKey = await loadPublicKey(values['public-key']);
    const bundle = await readJsonFile('file', values.file);
    const verdict = verifyProofBundle(bundle, publicKey);
    const details = verdict.ok
      ? [
          `event:      ${verdict.eventId}`,
          `leaf index: ${verdict.leafIndex}`,
          `tree size:  ${verdict.checkpoint.size}`,
          `root:       ${verdict.checkpoint.rootHash.toString('hex')}`,
          `origin:     ${verdict.checkpoint.origin}`,
          `signed by:  ${verdict.keyName}`,
          `leaf data:  ${verdict.leafDataChecked ? 'included, and hashes to the leaf hash' : 'not included; the leaf hash is taken as given'}`,
        ]
      : [];
    return report(io, verdict, details);
  },
};
