// `medshare-verify disclosures`: checks every line of an accounting of disclosures downloaded from governance
// (GET /v1/reports/disclosures?format=fhir) against the ledger's public key, offline.
import { ExitCode, loadPublicKey, readJsonFile, type Command } from '../cli';
import { verifyDisclosureReport } from '../disclosures/disclosure-report';

export const disclosuresCommand: Command<'file' | 'public-key'> = {
  name: 'disclosures',
  summary: 'check every inclusion proof of an accounting of disclosures (FHIR Bundle of AuditEvents from governance)',
  flags: {
    file: { value: 'REPORT.json', description: 'the FHIR Bundle governance served (format=fhir)' },
    'public-key': { value: 'KEY', description: 'Ed25519 public key of the ledger: a file, or inline PEM or base64 of the raw 32 bytes' },
  },
  example: 'medshare-verify disclosures --file accounting-of-disclosures.json --public-key ledger.pub.pem',
  async run(values, io) {
    const publicKey = await loadPublicKey(values['public-key']);
    const verdict = verifyDisclosureReport(await readJsonFile('file', values.file), publicKey);
    if (verdict.problems.length > 0) {
      io.stdout.write(`invalid: ${verdict.problems.length} of ${verdict.lines} lines fail\n${verdict.problems.map((problem) => `  ${problem}\n`).join('')}`);
      return ExitCode.Invalid;
    }
    io.stdout.write(
      `valid\n${verdict.lines} disclosures, each proven on the ledger and equal to the event it names\nlargest tree size: ${verdict.largestTreeSize}\n`,
    );
    return ExitCode.Valid;
  },
};
