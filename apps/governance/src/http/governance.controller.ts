// The governance HTTP edge: alerts and the summary as JSON; officers only.
import { Controller, Get, Header, Query, UseGuards } from '@nestjs/common';
import { asSeenBy, institutionOf } from '../alerts/alert-scope';
import { AlertsRepository, type StoredAlert } from '../alerts/alerts.repository';
import { scopeOf, type Officer } from '../auth/officer';
import { CurrentOfficer, OfficerGuard } from '../auth/officer.guard';
import { ConsumptionStats } from '../consumption/consumption-stats';
import { DeadLettersRepository } from '../health/dead-letters.repository';
import { QualityRepository, type QualityDay } from '../quality/quality.repository';
import { parseAlertQuery, parseQualityQuery } from './alert-query';
import { GovernanceError, GovernanceErrorCode } from './governance-error';
import { summarise, type Summary } from './summary';

@Controller()
@UseGuards(OfficerGuard)
export class GovernanceController {
  constructor(
    private readonly alerts: AlertsRepository,
    private readonly stats: ConsumptionStats,
    private readonly quality: QualityRepository,
    private readonly deadLetters: DeadLettersRepository,
  ) {}

  /** An officer sees its own institution's days (naming another is refused); the operator every one, or the one it names. */
  @Get('v1/quality')
  @Header('Cache-Control', 'no-store')
  async qualityDays(@CurrentOfficer() officer: Officer, @Query() query: Record<string, unknown>): Promise<{ days: QualityDay[] }> {
    const { from, to, institution } = parseQualityQuery(query, new Date());
    const scope = scopeOf(officer);
    const own = institutionOf(scope);
    if (own !== undefined && institution !== undefined && institution !== own)
      throw new GovernanceError(GovernanceErrorCode.Forbidden, "an officer sees its own institution's data quality");
    return { days: await this.quality.daily(own ?? institution, from, to) };
  }

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
    const [counts, lastAlertAt, deadLetters] = await Promise.all([
      this.alerts.counts(institution),
      this.alerts.lastRaisedAt(institution),
      this.deadLetters.perTopic(new Date()),
    ]);
    return summarise(counts, lastAlertAt, { since: this.stats.since, byTopic: this.stats.snapshot() }, deadLetters);
  }
}
