// The governance HTTP edge: alerts and the summary as JSON, and the dashboard page; officers only.
import { Controller, Get, Header, Inject, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { randomBytes } from 'node:crypto';
import { AlertsRepository, type StoredAlert } from '../alerts/alerts.repository';
import { scopeOf, type Officer } from '../auth/officer';
import { OfficerAuthenticator } from '../auth/officer-authenticator';
import { CurrentOfficer, OfficerGuard } from '../auth/officer.guard';
import { ConsumptionStats } from '../consumption/consumption-stats';
import { GovernanceConsumer } from '../consumption/governance.consumer';
import { parseAlertQuery } from './alert-query';
import { dashboardHtml } from './dashboard';
import { GovernanceError, GovernanceErrorCode } from './governance-error';
import { pageSecurityHeaders } from './page-security';
import { summarise, type Summary } from './summary';

@Controller()
export class GovernanceController {
  constructor(
    private readonly alerts: AlertsRepository,
    private readonly stats: ConsumptionStats,
    @Inject(GovernanceConsumer) private readonly consumer: GovernanceConsumer,
    private readonly authenticator: OfficerAuthenticator,
  ) {}

  @Get('v1/alerts')
  @UseGuards(OfficerGuard)
  @Header('Cache-Control', 'no-store')
  async listAlerts(@CurrentOfficer() officer: Officer, @Query() query: Record<string, unknown>): Promise<{ alerts: StoredAlert[] }> {
    const scope = scopeOf(officer);
    const alerts = await this.alerts.find({ ...parseAlertQuery(query), ...('institution' in scope ? { institution: scope.institution } : {}) });
    return { alerts: 'operator' in scope ? alerts.map(withoutPatient) : alerts };
  }

  @Get('v1/summary')
  @UseGuards(OfficerGuard)
  @Header('Cache-Control', 'no-store')
  async summary(@CurrentOfficer() officer: Officer): Promise<Summary> {
    const scope = scopeOf(officer);
    const institution = 'institution' in scope ? scope.institution : undefined;
    const [counts, lastAlertAt] = await Promise.all([this.alerts.counts(institution), this.alerts.lastRaisedAt(institution)]);
    return summarise(counts, lastAlertAt, { since: this.stats.since, byTopic: this.stats.snapshot() }, this.consumer.detectors.trackedKeys);
  }

  /** A browser without a session is sent to sign in; one with a session that is not an officer's gets the 403. */
  @Get()
  async dashboard(@Req() request: Request, @Res() response: Response): Promise<void> {
    try {
      await this.authenticator.authenticate(request);
    } catch (error) {
      if (!(error instanceof GovernanceError && error.code === GovernanceErrorCode.Unauthenticated)) throw error;
      response.status(302).set('Cache-Control', 'no-store').location('/auth/login').end();
      return;
    }
    const nonce = randomBytes(18).toString('base64');
    response.status(200).set(pageSecurityHeaders(nonce)).send(dashboardHtml(nonce));
  }
}

/** The operator oversees the platform, not patients: alerts reach it without the patient's pseudonym. */
function withoutPatient(alert: StoredAlert): StoredAlert {
  if (alert.details === null || !('patient' in alert.details)) return alert;
  const { patient: _patient, ...details } = alert.details;
  return { ...alert, details };
}
