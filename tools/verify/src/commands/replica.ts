// `medshare-verify replica`: verifies a whole ledger replica straight from its PostgreSQL tables (see
// ledger/ledger-verifier.ts for every check); prints replica, height and row of each problem.
import { loadPublicKey, parseDatabaseUrl, type Command } from '../cli';
import { reportLedger } from '../ledger/ledger-report';
import { verifyLedger } from '../ledger/ledger-verifier';
import { onReplicaSnapshot } from '../ledger/replica-snapshot';

export const replicaCommand: Command<'url' | 'public-key'> = {
  name: 'replica',
  summary: 'verify a whole ledger replica: leaves, Merkle roots, tree heads, chain, signatures, offsets',
  flags: {
    url: { value: 'postgres://...', description: 'connection string of the replica database (read-only use)' },
    'public-key': { value: 'KEY', description: 'Ed25519 public key of the ledger: a file, or inline PEM or base64 of the raw 32 bytes' },
  },
  example: 'medshare-verify replica --url postgres://auditor@db.example:5432/ledger --public-key ledger.pub.pem',
  async run(values, io) {
    const publicKey = await loadPublicKey(values['public-key']);
    const { url, where } = parseDatabaseUrl(values.url);
    const verdict = await onReplicaSnapshot(url, (source) => verifyLedger(source, publicKey));
    return reportLedger(io, 'replica', where, verdict);
  },
};
