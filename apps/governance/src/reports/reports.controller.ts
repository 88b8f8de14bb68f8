// The compliance reports: accounting of disclosures (HIPAA §164.528) as JSON, a FHIR Bundle of AuditEvents or a
// printable page; the patient's access report (GDPR Art. 15); the erasure report; the institution report.
import { Controller, Get, Inject, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { randomBytes } from 'node:crypto';
import { pseudonymise } from '@medshare/crypto';
import { PlatformKeys } from '@medshare/service-kit';
import { AlertsRepository } from '../alerts/alerts.repository';
import type { Officer } from '../auth/officer';
import { CurrentOfficer, OfficerGuard, OfficerRoles } from '../auth/officer.guard';
import { CasesRepository } from '../cases/cases.repository';
import { GovernanceError, GovernanceErrorCode } from '../http/governance-error';
import { pageSecurityHeaders } from '../http/page-security';
import { disclosureBundle } from './disclosure-bundle';
import { institutionReport } from './institution-report';
import { LedgerProofs, type ProofBundle } from './ledger-proofs';
import { csv, disclosureRows, reportPage, shredRows, type PageSection } from './report-pages';
import { parseReportQuery, type ReportQuery } from './report-query';
import { ReportsRepository, type Period } from './reports.repository';

type Officers = Extract<Officer, { role: 'privacy-officer' }>;

@Controller('v1/reports')
@UseGuards(OfficerGuard)
export class ReportsController {
  constructor(
    private readonly reports: ReportsRepository,
    private readonly proofs: LedgerProofs,
    private readonly alerts: AlertsRepository,
    private readonly cases: CasesRepository,
    @Inject(PlatformKeys) private readonly keys: PlatformKeys,
  ) {}

  /** Every disclosure of the officer's institution's records of one patient, each with its ledger proof. */
  @Get('disclosures')
  @OfficerRoles('privacy-officer')
  async disclosures(@CurrentOfficer() officer: Officers, @Query() query: Record<string, unknown>, @Res() response: Response): Promise<void> {
    const request = parseReportQuery(query, ['json', 'fhir', 'html']);
    const { lines, proofs } = await this.patientDisclosures(officer, request);
    const proven = new Set(proofs.keys());
    if (request.format === 'fhir') {
      send(response, 'application/fhir+json; charset=utf-8', JSON.stringify(disclosureBundle(lines, proofs, new Date())), 'accounting-of-disclosures.json');
    } else if (request.format === 'html') {
      page(response, 'Accounting of disclosures (HIPAA §164.528)', request.period, [
        {
          heading: `Disclosures of ${officer.institution} records about patient ${lines[0]?.patient ?? '(no disclosures)'}`,
          intro:
            'Each line is an event on the medshare ledger; the FHIR download carries its inclusion proof, which `npx medshare-verify disclosures` checks offline.',
          columns: ['when (UTC)', 'to institution', 'practitioner', 'resource types', 'purpose', 'ledger event', 'proof'],
          rows: disclosureRows(lines, proven),
        },
      ]);
    } else {
      response
        .status(200)
        .set('Cache-Control', 'no-store')
        .json({ period: periodOf(request.period), lines: lines.map((line) => ({ ...line, proof: proofs.get(line.eventId) ?? null })) });
    }
  }

  /** The same disclosures in the words of a patient's own request (GDPR Art. 15). */
  @Get('access')
  @OfficerRoles('privacy-officer')
  async access(@CurrentOfficer() officer: Officers, @Query() query: Record<string, unknown>, @Res() response: Response): Promise<void> {
    const request = parseReportQuery(query, ['json', 'html']);
    const { lines, proofs } = await this.patientDisclosures(officer, request);
    const rows = lines.map((line) => ({
      when: line.disclosedAt,
      who: `a ${line.role ?? 'member of staff'} of ${line.requesterInstitution}`,
      what: line.resourceTypes,
      why: purposeInWords(line.purpose) + (line.breakGlass ? ', in an emergency (break-glass), reviewed by the privacy office' : ''),
      ledgerEvent: line.eventId,
      proven: proofs.has(line.eventId),
    }));
    if (request.format === 'html') {
      page(response, 'Who has seen your records', request.period, [
        {
          heading: `Your records held by ${officer.institution}`,
          intro:
            'You asked who has seen your health records (GDPR Art. 15). Every time they were disclosed through medshare, it is listed here: when, to whom and why. Each entry is recorded in a tamper-evident ledger.',
          columns: ['when (UTC)', 'who', 'what', 'why', 'ledger record', 'proven'],
          rows: rows.map((row) => [row.when, row.who, row.what.join(', '), row.why, row.ledgerEvent, row.proven ? 'yes' : 'pending']),
        },
      ]);
    } else {
      response
        .status(200)
        .set('Cache-Control', 'no-store')
        .json({ period: periodOf(request.period), entries: rows });
    }
  }

  /** Crypto-shreds with their reason reference and proof: one patient's for an officer, all (without pseudonyms) for the operator. */
  @Get('erasures')
  async erasures(@CurrentOfficer() officer: Officer, @Query() query: Record<string, unknown>, @Res() response: Response): Promise<void> {
    const request = parseReportQuery(query, ['json', 'html']);
    const patient = officer.role === 'privacy-officer' ? await this.patientOf(officer, request) : undefined;
    if (officer.role === 'platform-operator' && request.patient !== undefined)
      throw new GovernanceError(GovernanceErrorCode.InvalidQuery, 'patient: the operator reports erasures without naming patients');
    const lines = await this.reports.shreds(request.period, patient);
    const proofs = await this.proofs.proofsOf(lines.map((line) => line.eventId));
    const withPatient = patient !== undefined;
    if (request.format === 'html') {
      page(response, 'Erasure report (crypto-shredding)', request.period, [
        {
          heading: 'Patient data keys destroyed',
          columns: ['when (UTC)', ...(withPatient ? ['patient'] : []), 'reason reference', 'keys destroyed', 'ledger event', 'proof'],
          rows: shredRows(lines, new Set(proofs.keys()), withPatient),
        },
      ]);
    } else {
      response
        .status(200)
        .set('Cache-Control', 'no-store')
        .json({
          period: periodOf(request.period),
          lines: lines.map(({ patient: shredded, ...line }) => ({
            ...line,
            ...(withPatient ? { patient: shredded } : {}),
            proof: proofs.get(line.eventId) ?? null,
          })),
        });
    }
  }

  /** Disclosures given and received by partner and purpose, break-glass uses and their review, cases, alerts: as JSON, CSV or a page. */
  @Get('institution')
  async institution(@CurrentOfficer() officer: Officer, @Query() query: Record<string, unknown>, @Res() response: Response): Promise<void> {
    const request = parseReportQuery(query, ['json', 'csv', 'html']);
    const institution = officer.role === 'privacy-officer' ? officer.institution : request.institution;
    if (institution === undefined) throw new GovernanceError(GovernanceErrorCode.InvalidQuery, 'institution: the operator names the institution');
    if (officer.role === 'privacy-officer' && request.institution !== undefined && request.institution !== institution) {
      throw new GovernanceError(GovernanceErrorCode.Forbidden, "an officer reports on its own institution's activity only");
    }
    const [lines, alerts, cases] = await Promise.all([
      this.reports.disclosuresInvolving(institution, request.period),
      this.alerts.counts(institution, request.period),
      this.cases.openedAndClosed(institution, request.period),
    ]);
    const reviews = await this.cases.breakGlassReviews(lines.filter((line) => line.breakGlass).map((line) => line.decisionId));
    const report = institutionReport(institution, lines, alerts, cases, reviews);
    const flows = report.flows.map((flow) => [flow.direction, flow.partner, flow.purpose, flow.disclosures, flow.records]);
    const breakGlass = report.breakGlass.map((use) => [
      use.at,
      use.practitioner,
      use.decisionId,
      use.holders.join(' '),
      use.eventId,
      `${use.review}${use.escalated ? ' (escalated)' : ''}`,
    ]);
    const caseRows = [['opened', report.cases.opened], ...report.cases.closed.map(({ outcome, count }) => [outcome, count])];
    const alertRows = report.alerts.map((alert) => [alert.kind, alert.severity, alert.count]);
    if (request.format === 'csv') {
      const rows = [
        ['section', 'a', 'b', 'c', 'd', 'e', 'f'],
        ...flows.map((row) => ['disclosures', ...row]),
        ...breakGlass.map((row) => ['break-glass', ...row]),
        ...caseRows.map((row) => ['cases', ...row]),
        ...alertRows.map((row) => ['alerts', ...row]),
      ];
      send(response, 'text/csv; charset=utf-8', csv(rows), `institution-report-${institution}.csv`);
    } else if (request.format === 'html') {
      page(response, `Institution report: ${institution}`, request.period, [
        { heading: 'Disclosures by partner and purpose', columns: ['direction', 'partner', 'purpose', 'disclosures', 'records'], rows: flows },
        {
          heading: 'Break-glass uses by our staff',
          intro: 'Each use is a review case in the case queue; its review is the case state now (closed-…: reviewed, with the outcome).',
          columns: ['when (UTC)', 'practitioner', 'decision', 'records of', 'ledger event', 'review'],
          rows: breakGlass,
        },
        { heading: 'Cases about our staff in the period', intro: 'Opened, and closed by outcome.', columns: ['cases', 'count'], rows: caseRows },
        { heading: 'Alerts raised about us (incl. data quality)', columns: ['kind', 'severity', 'count'], rows: alertRows },
      ]);
    } else {
      response
        .status(200)
        .set('Cache-Control', 'no-store')
        .json({ period: periodOf(request.period), ...report });
    }
  }

  private async patientDisclosures(
    officer: Officers,
    request: ReportQuery,
  ): Promise<{ lines: Awaited<ReturnType<ReportsRepository['disclosuresOf']>>; proofs: Map<string, ProofBundle> }> {
    const patient = await this.patientOf(officer, request);
    const lines = await this.reports.disclosuresOf(patient, request.period, officer.institution);
    return { lines, proofs: await this.proofs.proofsOf(lines.map((line) => line.eventId)) };
  }

  /** The patient as ingestion filed them: the identifier pseudonymised in the officer's domain, then its link. */
  private async patientOf(officer: Officers, request: ReportQuery): Promise<string> {
    if (request.patient === undefined)
      throw new GovernanceError(GovernanceErrorCode.InvalidQuery, "patient: required, a FHIR token system|value of one of the patient's identifiers");
    return this.reports.patientOf(pseudonymise(this.keys.pseudonymKey(), request.patient.system, request.patient.value, officer.institution));
  }
}

const PURPOSES: Record<string, string> = {
  TREAT: 'for your treatment',
  ETREAT: 'for emergency treatment',
  HPAYMT: 'for payment',
  HOPERAT: 'for healthcare operations',
  HRESCH: 'for research (de-identified)',
  PUBHLTH: 'for public health',
};
const purposeInWords = (purpose: string) => PURPOSES[purpose] ?? `for purpose ${purpose}`;
const periodOf = (period: Period) => ({ from: period.from.toISOString(), to: period.to.toISOString() });

function send(response: Response, contentType: string, body: string, filename: string): void {
  response
    .status(200)
    .set({
      'Content-Type': contentType,
      'Content-Disposition': `attachment; filename="${filename}"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    })
    .send(body);
}

function page(response: Response, title: string, period: Period, sections: readonly PageSection[]): void {
  const nonce = randomBytes(18).toString('base64');
  response
    .status(200)
    .set(pageSecurityHeaders(nonce))
    .send(reportPage(title, period, sections, nonce));
}
