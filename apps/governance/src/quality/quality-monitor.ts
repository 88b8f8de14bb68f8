// Feeds rejections and accepted records to the data-quality counts in PostgreSQL, exactly once per event, in a
// consumer group of its own (`<KAFKA_GROUP_ID>-quality`, from the beginning: an empty database is rebuilt with the
// same days), and raises what the quality rules find through the outbox: one alert per id, whichever instance finds it.
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { envelope, topics, type EventOf } from '@medshare/contracts';
import { ConsumerHost, type ConsumedEvent } from '@medshare/messaging';
import { DATA_SOURCE, SERVICE_CONFIG } from '@medshare/service-kit';
import { GOVERNANCE_SOURCE } from '../alerts/alert-events';
import { AlertRaiser } from '../alerts/alert-raiser';
import { qualityLimitsOf, type GovernanceConfig } from '../config';
import { applyOnce } from '../consumption/applied-offsets';
import { GovernanceConsumer } from '../consumption/governance.consumer';
import { hourOf } from './volume-drop';
import { QualityRepository, type AcceptedRecord, type SubmissionQuality } from './quality.repository';
import {
  assessRate,
  assessWindow,
  dayOf,
  daysBefore,
  rejectionContribution,
  type QualityFinding,
  type QualityLimits,
  type RejectionContribution,
} from './quality-rules';

export const qualityTopics = [topics.ingestRejected, topics.recordsEncrypted, topics.auditSubmissions] as const;

@Injectable()
export class QualityMonitor {
  private readonly limits: QualityLimits;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GovernanceConfig,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly consumers: ConsumerHost,
    private readonly quality: QualityRepository,
    private readonly raiser: AlertRaiser,
    private readonly governance: GovernanceConsumer,
  ) {
    this.limits = qualityLimitsOf(config);
  }

  async start(): Promise<void> {
    // Alerts already on the topic must be in the table first, so a rebuild or a second deployment raises none again.
    await this.governance.stateCaughtUp;
    await this.consumers.consume('quality', {
      groupId: `${this.config.KAFKA_GROUP_ID}-quality`,
      topics: qualityTopics,
      fromBeginning: true,
      handle: (batch) => this.handle(batch),
    });
  }

  async handle(batch: readonly ConsumedEvent[]): Promise<void> {
    const claimed = await applyOnce(this.dataSource, 'quality', batch, async (manager, fresh) => {
      const touched: Touched[] = [];
      const rejections: RejectionContribution[] = [];
      const accepted: AcceptedRecord[] = [];
      const submissions: SubmissionQuality[] = [];
      for (const { event } of fresh) {
        const trigger = { id: event.id, correlationid: event.correlationid, at: Date.parse(event.time) };
        if (event.type === 'ingest.rejected.v1') {
          const contribution = rejectionContribution(event, this.limits.window.windowMs, this.zoneOf(event.data.institution));
          rejections.push(contribution);
          touched.push({ institution: contribution.institution, day: contribution.day, windowStart: contribution.windowStart, trigger });
        } else if (event.type === 'records.encrypted.v1') {
          const { institution, recordId, contentHash } = event.data;
          const day = dayOf(event.time, this.zoneOf(institution));
          accepted.push({ institution, day, recordId, contentHash });
          touched.push({ institution, day, trigger });
        } else if (event.type === 'audit.submission.v1') {
          const { institution, timeliness, danglingReferences } = event.data;
          submissions.push({
            institution,
            day: dayOf(event.time, this.zoneOf(institution)),
            hour: hourOf(Date.parse(event.time)),
            timedResources: timeliness?.resources ?? 0,
            timelinessSeconds: timeliness?.sumSeconds ?? 0,
            timelinessMaxSeconds: timeliness?.maxSeconds ?? 0,
            danglingReferences: danglingReferences ?? 0,
          });
        }
      }
      await this.quality.addRejections(manager, rejections);
      await this.quality.addAccepted(manager, accepted);
      await this.quality.addSubmissions(manager, submissions);
      const findings = await this.assess(manager, touched);
      return this.raiser.claim(findings.map(qualityAlertEvent), manager);
    });
    await this.raiser.publish(claimed ?? []);
  }

  private zoneOf(institution: string): string {
    return this.limits.timeZones[institution] ?? 'UTC';
  }

  /**
   * Every day and window the batch touched, judged on the counts after it, with its newest event as the cause. Days
   * are judged after acceptances too: whichever batch comes last, the final counts are judged.
   */
  private async assess(manager: EntityManager, touched: readonly Touched[]): Promise<QualityFinding[]> {
    const newest = new Map<string, Touched>();
    for (const item of touched) {
      const keys = [`d\n${item.institution}\n${item.day}`, ...(item.windowStart === undefined ? [] : [`w\n${item.institution}\n${item.windowStart}`])];
      for (const key of keys) if ((newest.get(key)?.trigger.at ?? -Infinity) <= item.trigger.at) newest.set(key, item);
    }
    const findings: QualityFinding[] = [];
    for (const [key, { institution, day, windowStart, trigger }] of newest) {
      if (key.startsWith('w') && windowStart !== undefined) {
        const rejected = await this.quality.windowCount(manager, institution, windowStart);
        const finding = assessWindow(institution, windowStart, rejected, await this.quality.topIssues(manager, institution, day), this.limits.window, trigger);
        if (finding) findings.push(finding);
      } else {
        const [today] = await this.quality.days(manager, institution, [day]);
        const baseline = await this.quality.days(manager, institution, daysBefore(day, this.limits.rate.days));
        const finding = today && assessRate(institution, today, baseline, this.limits.rate, trigger);
        if (finding) findings.push(finding);
      }
    }
    return findings;
  }
}

/** A day (and for a rejection its window) that a batch added to, and the event that did. */
interface Touched {
  institution: string;
  day: string;
  windowStart?: number;
  trigger: QualityFinding['trigger'] & { at: number };
}

/** The alert's time is the triggering rejection's, so a rebuild raises it at the same time. */
function qualityAlertEvent(finding: QualityFinding): EventOf<'governance.alert.v1'> {
  const { alertId, kind, severity, summary, institution, details, trigger, at } = finding;
  return envelope('governance.alert.v1', GOVERNANCE_SOURCE, { alertId, kind, severity, summary, institution, details }, { cause: trigger, time: new Date(at) });
}
