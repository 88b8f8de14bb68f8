// `medshare-verify replica`: verifies a whole ledger replica straight from its PostgreSQL tables (see
// ledger/ledger-verifier.ts for every check); prints replica, height and row of each problem.
import { loadPublicKey, parseDatabaseUrl, type Command } from '../cli';
import { reportLedger } from '../ledger/ledger-report';
import { verifyLedger } from '../ledger/ledger-verifier';
import { onReplicaSnapshot } from '../ledger/replica-snapshot';
import { checkpointFlag, loadTrustedCheckpoint } from '../ledger/trusted-checkpoint';

export const replicaCommand: Command<'url' | 'public-key', 'checkpoint'> = {
  name: 'replica',
  summary: 'verify a whole ledger replica: leaves, Merkle roots, tree heads, chain, signatures, offsets',
  flags: {
    url: { value: 'postgres://...', description: 'connection string of the replica database (read-only use)' },
    'public-key': { value: 'KEY', description: 'Ed25519 public key of the ledger: a file, or inline PEM or base64 of the raw 32 bytes' },
  },
  optionalFlags: { checkpoint: checkpointFlag },
  example: 'medshare-verify replica --url postgres://auditor@db.example:5432/ledger --public-key ledger.pub.pem --checkpoint head.json',
  async run(values, io) {
    const publicKey = await loadPublicKey(values['public-key']);
    const trusted = await loadTrustedCheckpoint(values.checkpoint, publicKey);
    const { url, where } = parseDatabaseUrl(values.url);
    const verdict = await onReplicaSnapshot(url, (source) => verifyLedger(source, publicKey, trusted));
    return reportLedger(io, 'replica', where, verdict);
  },
};
