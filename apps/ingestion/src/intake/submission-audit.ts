// The analysts' record of one submission (medshare.audit.submissions.v1): how many resources it stored, how many
// entries were refused and with which issue codes, so acceptance and refusal rates per institution exist.
import { envelope, type EventOf } from '@medshare/contracts';

interface AnsweredEntry {
  status: number;
  issues?: readonly { code: string }[];
}

export function submissionAudit(
  institution: string,
  submissionId: string,
  status: number,
  stored: number,
  entries: readonly AnsweredEntry[],
): EventOf<'audit.submission.v1'> {
  const refused = entries.filter((entry) => entry.status >= 400);
  const counts = new Map<string, number>();
  for (const issue of refused.flatMap((entry) => entry.issues ?? [])) counts.set(issue.code.slice(0, 64), (counts.get(issue.code.slice(0, 64)) ?? 0) + 1);
  const issues = [...counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .slice(0, 100)
    .map(([code, count]) => ({ code, count }));
  return envelope('audit.submission.v1', institution, { submissionId, institution, status, accepted: stored, refused: refused.length, issues });
}
