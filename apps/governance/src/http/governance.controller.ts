// The governance HTTP edge: alerts and the summary as JSON, and the dashboard page.
import { Controller, Get, Header, Inject, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { randomBytes } from 'node:crypto';
import { AlertsRepository, type StoredAlert } from '../alerts/alerts.repository';
import { ConsumptionStats } from '../consumption/consumption-stats';
import { GovernanceConsumer } from '../consumption/governance.consumer';
import { parseAlertQuery } from './alert-query';
import { dashboardHtml, dashboardSecurityPolicy } from './dashboard';
import { summarise, type Summary } from './summary';

@Controller()
export class GovernanceController {
  constructor(
    private readonly alerts: AlertsRepository,
    private readonly stats: ConsumptionStats,
    @Inject(GovernanceConsumer) private readonly consumer: GovernanceConsumer,
  ) {}

  @Get('v1/alerts')
  @Header('Cache-Control', 'no-store')
  async listAlerts(@Query() query: Record<string, unknown>): Promise<{ alerts: StoredAlert[] }> {
    return { alerts: await this.alerts.find(parseAlertQuery(query)) };
  }

  @Get('v1/summary')
  @Header('Cache-Control', 'no-store')
  async summary(): Promise<Summary> {
    const [counts, lastAlertAt] = await Promise.all([this.alerts.counts(), this.alerts.lastRaisedAt()]);
    return summarise(counts, lastAlertAt, { since: this.stats.since, byTopic: this.stats.snapshot() }, this.consumer.detectors.trackedKeys);
  }

  @Get()
  dashboard(@Res() response: Response): void {
    const nonce = randomBytes(18).toString('base64');
    response
      .status(200)
      .set({ 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': dashboardSecurityPolicy(nonce), 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' })
      .send(dashboardHtml(nonce));
  }
}
