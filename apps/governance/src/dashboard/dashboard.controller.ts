// The dashboard page, a case's page, and the live feed (server-sent events of newly stored alerts and changed cases,
// in the officer's scope).
import { Controller, Get, Inject, Param, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { randomBytes } from 'node:crypto';
import { caseParams, caseQuery } from '@medshare/contracts';
import { Readiness, SERVICE_CONFIG } from '@medshare/service-kit';
import { asSeenBy, institutionOf } from '../alerts/alert-scope';
import { AlertsRepository } from '../alerts/alerts.repository';
import { scopeOf, type Officer } from '../auth/officer';
import { OfficerAuthenticator } from '../auth/officer-authenticator';
import { CurrentOfficer, OfficerGuard } from '../auth/officer.guard';
import { CaseError, CaseErrorCode } from '../cases/case-error';
import { CasesService } from '../cases/cases.service';
import type { GovernanceConfig } from '../config';
import { ConsumptionStats } from '../consumption/consumption-stats';
import { DeadLettersRepository } from '../health/dead-letters.repository';
import { GovernanceError, GovernanceErrorCode } from '../http/governance-error';
import { pageSecurityHeaders } from '../http/page-security';
import { parseInput } from '../http/parse-input';
import { ReportsRepository } from '../reports/reports.repository';
import { webhookPage } from '../webhooks/webhook-page';
import { WebhooksService } from '../webhooks/webhooks.service';
import { barChart, daily } from './charts';
import { casePage, TO_HANDLE } from './case-pages';
import { dashboardPage } from './dashboard-page';

const DAY = 86_400_000;
const FEED_POLL_MS = 1000;
const HEARTBEAT_MS = 15_000;

@Controller()
export class DashboardController {
  constructor(
    private readonly authenticator: OfficerAuthenticator,
    private readonly alerts: AlertsRepository,
    private readonly cases: CasesService,
    private readonly reports: ReportsRepository,
    private readonly stats: ConsumptionStats,
    private readonly readiness: Readiness,
    private readonly webhooks: WebhooksService,
    private readonly deadLetters: DeadLettersRepository,
    @Inject(SERVICE_CONFIG) private readonly config: GovernanceConfig,
  ) {}

  /** The case queue takes the filters of GET /v1/cases (a form's empty choice means no filter; state: what is still to handle). */
  @Get()
  async page(@Req() request: Request, @Res() response: Response, @Query() query: Record<string, unknown>): Promise<void> {
    const officer = await this.signedIn(request, response);
    if (officer === undefined) return;
    const chosen = Object.fromEntries(Object.entries(query).filter(([, value]) => value !== ''));
    const filter = parseInput(caseQuery, { limit: 50, ...chosen }, GovernanceErrorCode.InvalidQuery);
    const scope = scopeOf(officer);
    const institution = institutionOf(scope);
    const now = new Date();
    const [perDay, perPurpose, counts, cases, latest, ledgerHead, deadLetters] = await Promise.all([
      this.alerts.perDay(new Date(now.getTime() - 14 * DAY), institution),
      this.reports.perPurpose(new Date(now.getTime() - 30 * DAY), institution),
      this.alerts.counts(institution),
      this.cases.find(scope, { ...filter, state: filter.state ?? [...TO_HANDLE] }),
      this.alerts.find({ limit: 50, ...(institution === undefined ? {} : { institution }) }),
      this.ledgerHead(),
      this.deadLetters.perTopic(now),
    ]);
    const bySeverity: Record<string, number> = {};
    for (const { severity, count } of counts) bySeverity[severity] = (bySeverity[severity] ?? 0) + count;
    const nonce = randomBytes(18).toString('base64');
    response
      .status(200)
      .set(pageSecurityHeaders(nonce))
      .send(
        dashboardPage(
          {
            officer,
            alertsChart: barChart('Alerts per day', daily(perDay, 14, now)),
            purposeChart: barChart(
              'Disclosures per purpose',
              perPurpose.map(({ purpose, count }) => ({ label: purpose, value: count })),
              { colour: '#2d6a4f' },
            ),
            bySeverity,
            cases,
            filter: {
              state: (filter.state ?? TO_HANDLE).join(','),
              ...(filter.severity === undefined ? {} : { severity: filter.severity }),
              ...(filter.kind === undefined ? {} : { kind: filter.kind }),
            },
            alerts: latest.map((alert) => asSeenBy(scope, alert)),
            consumed: this.stats.snapshot(),
            deadLetters,
            ledgerHead,
          },
          nonce,
        ),
      );
  }

  /** A case's page: its officers (of the case's institution) also get its notes and the buttons for the next steps. */
  @Get('cases/:caseId')
  async casePage(@Req() request: Request, @Res() response: Response, @Param() params: Record<string, string>): Promise<void> {
    const officer = await this.signedIn(request, response);
    if (officer === undefined) return;
    const { caseId } = parseInput(caseParams, params, GovernanceErrorCode.InvalidPath);
    const detail = await this.cases.get(scopeOf(officer), caseId);
    if (!detail) throw new CaseError(CaseErrorCode.NotFound, 'no such case');
    const handles = officer.role === 'privacy-officer' && officer.institution === detail.institution;
    const notes = handles ? await this.cases.readNotes({ institution: officer.institution }, caseId) : undefined;
    const nonce = randomBytes(18).toString('base64');
    response.status(200).set(pageSecurityHeaders(nonce)).send(casePage({ officer, detail, notes }, nonce));
  }

  /** The webhooks page: the subscriptions and the delivery log in the officer's scope. */
  @Get('webhooks')
  async webhookPage(@Req() request: Request, @Res() response: Response): Promise<void> {
    const officer = await this.signedIn(request, response);
    if (officer === undefined) return;
    const scope = scopeOf(officer);
    const [subscriptions, deliveries] = await Promise.all([this.webhooks.list(scope), this.webhooks.deliveries(scope, { limit: 100 })]);
    const nonce = randomBytes(18).toString('base64');
    response.status(200).set(pageSecurityHeaders(nonce)).send(webhookPage({ officer, subscriptions, deliveries }, nonce));
  }

  /** The officer, or undefined after sending a browser without a session to sign in. */
  private async signedIn(request: Request, response: Response): Promise<Officer | undefined> {
    try {
      return await this.authenticator.authenticate(request);
    } catch (error) {
      if (!(error instanceof GovernanceError && error.code === GovernanceErrorCode.Unauthenticated)) throw error;
      response.status(302).set('Cache-Control', 'no-store').location('/auth/login').end();
      return undefined;
    }
  }

  /**
   * Alerts stored from now on, as `event: alert` messages, and cases changed from now on (opened, a new alert, a
   * step, an escalation) as `event: case` with the case as GET /v1/cases shows it; ends when the service stops (the
   * browser reconnects).
   */
  @Get('v1/stream')
  @UseGuards(OfficerGuard)
  stream(@CurrentOfficer() officer: Officer, @Req() request: Request, @Res() response: Response): void {
    const scope = scopeOf(officer);
    let alertCursor = new Date();
    let caseCursor = alertCursor.toISOString();
    let busy = false;
    let quietSince = Date.now();
    response.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    response.flushHeaders();
    response.write('retry: 2000\n\n');
    const poll = async () => {
      const [alerts, cases] = await Promise.all([this.alerts.storedAfter(alertCursor, institutionOf(scope)), this.cases.changedAfter(scope, caseCursor)]);
      alertCursor = alerts.last;
      caseCursor = cases.last;
      for (const alert of alerts.alerts) response.write(`event: alert\nid: ${alert.eventId}\ndata: ${JSON.stringify(asSeenBy(scope, alert))}\n\n`);
      for (const changed of cases.cases) response.write(`event: case\ndata: ${JSON.stringify(changed)}\n\n`);
      const sent = alerts.alerts.length + cases.cases.length;
      if (sent > 0 || Date.now() - quietSince > HEARTBEAT_MS) {
        if (sent === 0) response.write(': keep-alive\n\n');
        quietSince = Date.now();
      }
    };
    const timer = setInterval(() => {
      if (this.readiness.isShuttingDown) {
        clearInterval(timer);
        response.end();
        return;
      }
      if (busy) return;
      busy = true;
      poll()
        // A failed poll is tried again on the next tick; the browser keeps its connection.
        .catch(() => undefined)
        .finally(() => {
          busy = false;
        });
    }, FEED_POLL_MS);
    request.on('close', () => clearInterval(timer));
  }

  private async ledgerHead(): Promise<{ height: number; treeSize: number; timestamp: string } | undefined> {
    try {
      const response = await fetch(new URL('v1/blocks/head', this.config.LEDGER_URL.endsWith('/') ? this.config.LEDGER_URL : `${this.config.LEDGER_URL}/`), {
        signal: AbortSignal.timeout(1500),
      });
      if (!response.ok) return undefined;
      const head = (await response.json()) as { height: number; treeSize: number; timestamp: number | string };
      return { height: head.height, treeSize: head.treeSize, timestamp: new Date(head.timestamp).toISOString() };
    } catch {
      return undefined;
    }
  }
}
