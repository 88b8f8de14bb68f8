// `medshare-verify file`: verifies an exported ledger file offline, exactly as `replica` verifies a
// database (the same verifier over another source).
import { loadPublicKey, UsageError, type Command } from '../cli';
import { ExportFileSource, NotAnExport } from '../ledger/export-file';
import { reportLedger } from '../ledger/ledger-report';
import { verifyLedger } from '../ledger/ledger-verifier';
import { checkpointFlag, loadTrustedCheckpoint } from '../ledger/trusted-checkpoint';

export const fileCommand: Command<'file' | 'public-key', 'checkpoint'> = {
  name: 'file',
  summary: 'verify an exported ledger file (JSON Lines from `export` or GET /v1/export) offline',
  flags: {
    file: { value: 'LEDGER.jsonl', description: 'the export file' },
    'public-key': { value: 'KEY', description: 'Ed25519 public key of the ledger: a file, or inline PEM or base64 of the raw 32 bytes' },
  },
  optionalFlags: { checkpoint: checkpointFlag },
  example: 'medshare-verify file --file ledger.jsonl --public-key ledger.pub.pem --checkpoint head.json',
  async run(values, io) {
    const publicKey = await loadPublicKey(values['public-key']);
    const trusted = await loadTrustedCheckpoint(values.checkpoint, publicKey);
    const source = new ExportFileSource(values.file);
    try {
      const verdict = await verifyLedger(source, publicKey, trusted);
      return reportLedger(io, 'file', values.file, verdict);
    } catch (error) {
      if (error instanceof NotAnExport) throw new UsageError(`--file: ${values.file}: ${error.message}`);
      if ((error as NodeJS.ErrnoException).code !== undefined) throw new UsageError(`--file: cannot read ${values.file}: ${(error as Error).message}`);
      throw error;
    }
  },
};
