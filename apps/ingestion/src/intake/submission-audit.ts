// The analysts' record of one submission (medshare.audit.submissions.v1): how many resources it stored, how many
// entries were refused and with which issue codes, so acceptance and refusal rates per institution exist; for
// governance's data quality also how late the resources arrived and how many references point at nothing sent.
import { envelope, type EventOf } from '@medshare/contracts';
import { clinicalDateOf, type FhirResource } from '@medshare/fhir';

type SubmissionFacts = EventOf<'audit.submission.v1'>['data'];

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
  quality: Pick<SubmissionFacts, 'timeliness' | 'danglingReferences'> = {},
): EventOf<'audit.submission.v1'> {
  const refused = entries.filter((entry) => entry.status >= 400);
  const counts = new Map<string, number>();
  for (const issue of refused.flatMap((entry) => entry.issues ?? [])) counts.set(issue.code.slice(0, 64), (counts.get(issue.code.slice(0, 64)) ?? 0) + 1);
  const issues = [...counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .slice(0, 100)
    .map(([code, count]) => ({ code, count }));
  const { timeliness, danglingReferences } = quality;
  return envelope('audit.submission.v1', institution, {
    submissionId,
    institution,
    status,
    accepted: stored,
    refused: refused.length,
    issues,
    ...(timeliness && { timeliness }),
    ...(danglingReferences !== undefined && { danglingReferences }),
  });
}

/** Whole seconds from each resource's clinical date to `receivedAt` (0 for a date after it); undefined when none has a date. */
export function timelinessOf(resources: readonly FhirResource[], receivedAt: number): SubmissionFacts['timeliness'] {
  let counted = 0;
  let sumSeconds = 0;
  let maxSeconds = 0;
  for (const resource of resources) {
    const written = clinicalDateOf(resource);
    const at = written === undefined ? NaN : Date.parse(written);
    if (!Number.isFinite(at)) continue;
    const seconds = Math.max(0, Math.floor((receivedAt - at) / 1000));
    counted += 1;
    sumSeconds += seconds;
    maxSeconds = Math.max(maxSeconds, seconds);
  }
  return counted === 0 ? undefined : { resources: counted, sumSeconds, maxSeconds };
}
