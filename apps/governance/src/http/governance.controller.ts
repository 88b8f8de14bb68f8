// The governance HTTP edge: alerts and the summary as JSON; officers only.
import { Controller, Get, Header, Inject, Query, UseGuards } from '@nestjs/common';
import { asSeenBy, institutionOf } from '../alerts/alert-scope';
import { AlertsRepository, type StoredAlert } from '../alerts/alerts.repository';
import { scopeOf, type Officer } from '../auth/officer';
import { CurrentOfficer, OfficerGuard } from '../auth/officer.guard';
import { ConsumptionStats } from '../consumption/consumption-stats';
import { GovernanceConsumer } from '../consumption/governance.consumer';
import { parseAlertQuery } from './alert-query';
import { summarise, type Summary } from './summary';

@Controller()
@UseGuards(OfficerGuard)
export class GovernanceController {
  constructor(
    private readonly alerts: AlertsRepository,
    private readonly stats: ConsumptionStats,
    @Inject(GovernanceConsumer) private readonly consumer: GovernanceConsumer,
  ) {}

  @Get('v1/alerts')
  @Header('Cache-Control', 'no-store')
  async listAlerts(@CurrentOfficer() officer: Officer, @Query() query: Record<string, unknown>): Promise<{ alerts: StoredAlert[] }> {
    const scope = scopeOf(officer);
    const institution = institutionOf(scope);
    const alerts = await this.alerts.find({ ...parseAlertQuery(query), ...(institution === undefined ? {} : { institution }) });
    return { alerts: alerts.map((alert) => asSeenBy(scope, alert)) };
  }

  @Get('v1/summary')
  @Header('Cache-Control', 'no-store')
  async summary(@CurrentOfficer() officer: Officer): Promise<Summary> {
    const institution = institutionOf(scopeOf(officer));
    const [counts, lastAlertAt] = await Promise.all([this.alerts.counts(institution), this.alerts.lastRaisedAt(institution)]);
    return summarise(counts, lastAlertAt, { since: this.stats.since, byTopic: this.stats.snapshot() }, this.consumer.detectors.trackedKeys);
  }
}
