// Prints a whole-ledger verdict the same way for every source: `valid` and the head, or `invalid` and
// each problem with where it is, height and row.
import { ExitCode, type CliIo } from '../cli';
import type { LedgerVerdict } from './ledger-verifier';

const MAX_PRINTED = 20;

export function reportLedger(io: CliIo, kind: 'replica' | 'file', where: string, { findings, height, treeSize, treeRoot, trusted }: LedgerVerdict): ExitCode {
  if (findings.length === 0) {
    const checkpoint = trusted === undefined ? '' : `trusted:   checkpoint of size ${trusted.size} reached, same root\n`;
    io.stdout.write(`valid\n${`${kind}:`.padEnd(11)}${where}\nheight:    ${height}\ntree size: ${treeSize}\nroot:      ${treeRoot}\n${checkpoint}`);
    return ExitCode.Valid;
  }
  const lines = findings.slice(0, MAX_PRINTED).map((finding) => `  ${where} height ${finding.height} ${finding.row}: ${finding.problem}`);
  const more = findings.length > MAX_PRINTED ? [`  ... and ${findings.length - MAX_PRINTED} more`] : [];
  io.stdout.write(`invalid: ${findings.length} problem(s) in ${kind} ${where}\n${[...lines, ...more].join('\n')}\n`);
  return ExitCode.Invalid;
}
