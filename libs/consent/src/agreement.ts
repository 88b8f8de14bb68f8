// Data-sharing agreements between a holder and a reader institution (medshare's own JSON, not FHIR).
import { z } from 'zod';
import { contains, parseDateTime, type TimeInterval } from './fhir-date-time';
import { emptyElementIssues, fhirParams, fromZodIssues, mergeIssues, tooDeepIssues, type Issue } from './issues';
import { REQUEST_PURPOSES, type RequestPurpose } from './terminology';

const medshareId = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, { message: 'not a medshare id ([A-Za-z0-9-.]{1,64})' });

const dateTime = z.string().superRefine((text, ctx) => {
  const parsed = parseDateTime(text);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.problem, ...fhirParams('value') });
});

const agreementSchema = z
  .strictObject({
    id: medshareId,
    holder: medshareId,
    reader: medshareId,
    purposes: z.array(z.enum(REQUEST_PURPOSES)),
    period: z.strictObject({ start: dateTime, end: dateTime }),
    status: z.enum(['active', 'revoked']),
  })
  .superRefine((a, ctx) => {
    if (a.holder === a.reader) {
      ctx.addIssue({
        code: 'custom',
        path: ['reader'],
        message: 'holder and reader are the same institution: reads inside one institution need no agreement',
        ...fhirParams('invariant'),
      });
    }
    const start = parseDateTime(a.period.start);
    const end = parseDateTime(a.period.end);
    if (start.ok && end.ok && start.interval.start > end.interval.end) {
      ctx.addIssue({ code: 'custom', path: ['period'], message: 'period ends before it starts', ...fhirParams('invariant') });
    }
  });

export type AgreementJson = z.infer<typeof agreementSchema>;

export interface DataSharingAgreement {
  readonly id: string;
  readonly holder: string;
  readonly reader: string;
  readonly purposes: ReadonlySet<RequestPurpose>;
  /** Both ends inclusive; partial dates cover their whole unit. */
  readonly period: TimeInterval;
  readonly status: 'active' | 'revoked';
}

export type AgreementIntake = { ok: true; agreement: DataSharingAgreement } | { ok: false; issues: Issue[] };

const AGREEMENT_ELEMENTS: ReadonlySet<string> = new Set(['id', 'holder', 'reader', 'purposes', 'period', 'start', 'end', 'status']);

export function parseAgreement(json: unknown): AgreementIntake {
  const tooDeep = tooDeepIssues('Agreement', json);
  if (tooDeep.length > 0) return { ok: false, issues: tooDeep };
  const emptyIssues = emptyElementIssues('Agreement', json, AGREEMENT_ELEMENTS);
  const parsed = agreementSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    return { ok: false, issues: mergeIssues(emptyIssues, fromZodIssues('Agreement', parsed.error.issues)) };
  }
  if (emptyIssues.length > 0) return { ok: false, issues: emptyIssues };
  const { id, holder, reader, purposes, period, status } = parsed.data;
  const start = parseDateTime(period.start);
  const end = parseDateTime(period.end);
  if (!start.ok || !end.ok) throw new Error('unreachable: the schema checked both period ends');
  return {
    ok: true,
    agreement: { id, holder, reader, purposes: new Set(purposes), period: { start: start.interval.start, end: end.interval.end }, status },
  };
}

/** Agreements by id and by holder→reader pair, as the access-control service's projection holds them. */
export class AgreementIndex {
  private readonly byId = new Map<string, DataSharingAgreement>();
  private readonly byPair = new Map<string, DataSharingAgreement[]>();

  /** Adds or replaces (same id) an agreement; a revocation is a replacement with status `revoked`. */
  put(agreement: DataSharingAgreement): void {
    const previous = this.byId.get(agreement.id);
    if (previous) this.removeFromPair(previous);
    this.byId.set(agreement.id, agreement);
    const key = pairKey(agreement.holder, agreement.reader);
    this.byPair.set(key, [...(this.byPair.get(key) ?? []), agreement]);
  }

  /** True when an active agreement lets `reader` read `holder`'s records for exactly `purpose` at `nowMs`. */
  allows(holder: string, reader: string, purpose: RequestPurpose, nowMs: number): boolean {
    const now = { start: nowMs, end: nowMs };
    return (this.byPair.get(pairKey(holder, reader)) ?? []).some((a) => a.status === 'active' && a.purposes.has(purpose) && contains(a.period, now));
  }

  private removeFromPair(agreement: DataSharingAgreement): void {
    const key = pairKey(agreement.holder, agreement.reader);
    const rest = (this.byPair.get(key) ?? []).filter((a) => a.id !== agreement.id);
    if (rest.length > 0) this.byPair.set(key, rest);
    else this.byPair.delete(key);
  }
}

function pairKey(holder: string, reader: string): string {
  return `${holder}\u0000${reader}`;
}
