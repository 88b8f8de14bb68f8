// Webhook subscriptions and their delivery log over HTTP (docs/governance.md, "Routing"). The schemas are the
// published contract's (libs/contracts/src/http/governance.ts).
import { Controller, Delete, Get, Header, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { webhookDeliveryParams, webhookDeliveryQuery, webhookParams, webhookSubscriptionBody } from '@medshare/contracts';
import { scopeOf, type Officer } from '../auth/officer';
import { CurrentOfficer, OfficerGuard, OfficerRoles } from '../auth/officer.guard';
import { GovernanceErrorCode } from '../http/governance-error';
import { jsonBody, parseInput } from '../http/parse-input';
import type { DeliveryRecord, Subscription } from './webhooks.repository';
import { WebhooksService, type WithSecret } from './webhooks.service';

type PrivacyOfficer = Extract<Officer, { role: 'privacy-officer' }>;

const subscriptionIdOf = (params: unknown): string => parseInput(webhookParams, params, GovernanceErrorCode.InvalidPath).subscriptionId;

@Controller('v1/webhooks')
@UseGuards(OfficerGuard)
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async list(@CurrentOfficer() officer: Officer): Promise<{ subscriptions: Subscription[] }> {
    return { subscriptions: await this.webhooks.list(scopeOf(officer)) };
  }

  @Post()
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @OfficerRoles('privacy-officer')
  create(@CurrentOfficer() officer: PrivacyOfficer, @Req() request: Request): Promise<WithSecret> {
    return this.webhooks.create(officer, jsonBody(request, webhookSubscriptionBody));
  }

  @Get('deliveries')
  @Header('Cache-Control', 'no-store')
  async deliveries(@CurrentOfficer() officer: Officer, @Query() query: Record<string, unknown>): Promise<{ deliveries: DeliveryRecord[] }> {
    const { subscription, state, limit } = parseInput(webhookDeliveryQuery, query, GovernanceErrorCode.InvalidQuery);
    return {
      deliveries: await this.webhooks.deliveries(scopeOf(officer), {
        limit,
        ...(subscription === undefined ? {} : { subscriptionId: subscription }),
        ...(state === undefined ? {} : { state }),
      }),
    };
  }

  @Post('deliveries/:webhookId/retry')
  @HttpCode(200)
  @OfficerRoles('privacy-officer')
  async retry(@CurrentOfficer() officer: PrivacyOfficer, @Param() params: Record<string, string>): Promise<{ webhookId: string; state: 'pending' }> {
    const { webhookId } = parseInput(webhookDeliveryParams, params, GovernanceErrorCode.InvalidPath);
    await this.webhooks.retryDead(officer.institution, webhookId);
    return { webhookId, state: 'pending' };
  }

  @Post(':subscriptionId/secret')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @OfficerRoles('privacy-officer')
  rotate(@CurrentOfficer() officer: PrivacyOfficer, @Param() params: Record<string, string>): Promise<WithSecret> {
    return this.webhooks.rotate(officer.institution, subscriptionIdOf(params));
  }

  @Delete(':subscriptionId')
  @HttpCode(204)
  @OfficerRoles('privacy-officer')
  async remove(@CurrentOfficer() officer: PrivacyOfficer, @Param() params: Record<string, string>): Promise<void> {
    await this.webhooks.delete(officer.institution, subscriptionIdOf(params));
  }
}
