// The governance service's environment, validated at start (a wrong value names the variable and stops the start).
import { z } from 'zod';
import { baseConfigSchema, loadConfig, port } from '@medshare/service-kit';
import { authConfigShape, refineAuthConfig } from './auth/auth-config';
import type { CaseLimits } from './cases/case-rules';
import type { PrivacyLimits } from './privacy/privacy-rules';
import { checkTimeZone, DEFAULT_WORKING_HOURS, type WorkingHours } from './privacy/working-hours';
import { reportsConfigShape } from './reports/reports-config';
import type { QualityLimits } from './quality/quality-rules';
import { webhookConfigShape } from './webhooks/webhook-config';

const MINUTE = 60_000;
const windowMs = (defaultMs: number) =>
  z.coerce
    .number()
    .int()
    .min(1000)
    .max(24 * 60 * MINUTE)
    .default(defaultMs);
const threshold = (defaultCount: number) => z.coerce.number().int().min(1).max(1_000_000).default(defaultCount);
const factor = (defaultFactor: number) => z.coerce.number().min(1).max(1000).default(defaultFactor);
const days = (defaultDays: number) => z.coerce.number().int().min(1).max(3650).default(defaultDays);
const HOUR = 60 * MINUTE;

/** `{"hosp-a":{"timeZone":"Europe/Berlin","start":7,"end":19,"days":[1,2,3,4,5]}}`: institutions not named work DEFAULT_WORKING_HOURS. */
const workingHours = z
  .string()
  .default('{}')
  .transform((text, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: 'must be JSON' });
      return z.NEVER;
    }
  })
  .pipe(
    z.record(
      z.string(),
      z
        .strictObject({
          timeZone: z.string().refine((zone) => {
            try {
              checkTimeZone(zone);
              return true;
            } catch {
              return false;
            }
          }, 'unknown time zone'),
          start: z.number().int().min(0).max(23),
          end: z.number().int().min(1).max(24),
          days: z.array(z.number().int().min(1).max(7)).max(7),
        })
        .refine((hours) => hours.start < hours.end, 'start must be before end'),
    ),
  );

const flag = (defaultValue: boolean) =>
  z
    .enum(['true', 'false'])
    .default(defaultValue ? 'true' : 'false')
    .transform((value) => value === 'true');

export const governanceConfigSchema = baseConfigSchema
  .extend({
    ...authConfigShape,
    ...reportsConfigShape,
    ...webhookConfigShape,
    PORT: port(3005),
    DATABASE_URL: baseConfigSchema.shape.DATABASE_URL.default('postgres://medshare@127.0.0.1:55432/governance'),
    KAFKA_GROUP_ID: z.string().min(1).max(200).default('governance'),
    ACCESS_VOLUME_WINDOW_MS: windowMs(HOUR),
    ACCESS_VOLUME_MAX_PATIENTS: threshold(50),
    DENIED_SPIKE_WINDOW_MS: windowMs(5 * MINUTE),
    DENIED_SPIKE_THRESHOLD: threshold(20),
    DATA_QUALITY_WINDOW_MS: windowMs(15 * MINUTE),
    DATA_QUALITY_THRESHOLD: threshold(10),
    QUALITY_RATE_FACTOR: factor(2),
    QUALITY_RATE_MIN_INCREASE: z.coerce.number().min(0).max(1).default(0.1),
    QUALITY_MIN_RESOURCES: threshold(20),
    QUALITY_BASELINE_DAYS: days(14),
    QUALITY_BASELINE_MIN_DAYS: threshold(3),
    PRACTITIONER_DENIALS_WINDOW_MS: windowMs(HOUR),
    PRACTITIONER_DENIALS_THRESHOLD: threshold(5),
    BASELINE_FACTOR: factor(3),
    BASELINE_MIN_PATIENTS: threshold(10),
    BASELINE_DAYS: days(14),
    BASELINE_MIN_WINDOWS: threshold(5),
    PEER_FACTOR: factor(4),
    PEER_MIN_PATIENTS: threshold(10),
    PEER_MIN_PEERS: threshold(3),
    OFF_HOURS_MAX_PATIENTS: z.coerce.number().int().min(0).max(1_000_000).default(3),
    RESEARCH_BURST_WINDOW_MS: windowMs(HOUR),
    RESEARCH_BURST_MAX_PATIENTS: threshold(200),
    CARE_RELATIONSHIP_DAYS: days(365),
    VIP_SECURITY_LABELS: z
      .string()
      .default('CELEB,VIP,EMP')
      .transform((text) => text.split(',').filter((label) => label.length > 0))
      .pipe(z.array(z.string().regex(/^[A-Z]{2,16}$/)).max(20)),
    INSTITUTION_WORKING_HOURS: workingHours,
    /** Alerts about one practitioner and patient within this window form one case. */
    CASE_WINDOW_MS: windowMs(24 * HOUR),
    BREAK_GLASS_REVIEW_MS: z.coerce
      .number()
      .int()
      .min(60_000)
      .max(90 * 24 * HOUR)
      .default(24 * HOUR),
    CASE_DUE_CRITICAL_MS: z.coerce
      .number()
      .int()
      .min(60_000)
      .max(90 * 24 * HOUR)
      .default(24 * HOUR),
    CASE_DUE_WARNING_MS: z.coerce
      .number()
      .int()
      .min(60_000)
      .max(90 * 24 * HOUR)
      .default(3 * 24 * HOUR),
    CASE_DUE_INFO_MS: z.coerce
      .number()
      .int()
      .min(60_000)
      .max(90 * 24 * HOUR)
      .default(7 * 24 * HOUR),
    ESCALATION_CHECK_MS: z.coerce.number().int().min(100).max(HOUR).default(30_000),
    /** 32 bytes, base64: the master key of sealed case notes (one key per institution is derived from it). Required in production. */
    CASE_NOTES_KEY: z
      .string()
      .regex(/^[A-Za-z0-9+/]{43}=$/, 'must be 32 bytes in base64')
      .transform((text) => Buffer.from(text, 'base64'))
      .optional(),
    /**
     * How far back a fresh consumer group starts on the decisions topic. Unset: the longest counting window (cases
     * and alerts are rebuilt from their own topics; this only refills counters). Set it to the baseline period to
     * rebuild the baselines too.
     */
    DECISIONS_REPLAY_MS: z.coerce
      .number()
      .int()
      .min(1000)
      .max(3650 * 24 * HOUR)
      .optional(),
    /** A service instance silent this long on the health topic raises an `outage` alert (heartbeats every 5 s). */
    HEALTH_SILENCE_MS: z.coerce
      .number()
      .int()
      .min(1000)
      .max(10 * MINUTE)
      .default(15_000),
    /**
     * At start the health group is rewound this far (or to its commit, if older), so instances that died while no
     * governance listened, a lone governance's predecessor among them, are heard once more and then alerted.
     */
    HEALTH_REPLAY_MS: z.coerce
      .number()
      .int()
      .min(1000)
      .max(24 * HOUR)
      .default(5 * MINUTE),
    /** A consumer group more messages behind than this for longer than CONSUMER_LAG_FOR_MS raises `consumer-lag`. */
    CONSUMER_LAG_THRESHOLD: threshold(1000),
    CONSUMER_LAG_FOR_MS: z.coerce
      .number()
      .int()
      .min(0)
      .max(24 * HOUR)
      .default(60_000),
    CONSUMER_LAG_CHECK_MS: z.coerce.number().int().min(100).max(HOUR).default(15_000),
    /** More dead letters from one topic than DEAD_LETTER_THRESHOLD (0: any) in a fixed window raise `dead-letters`. */
    DEAD_LETTER_WINDOW_MS: windowMs(15 * MINUTE),
    DEAD_LETTER_THRESHOLD: z.coerce.number().int().min(0).max(1_000_000).default(0),
    /** An institution's hour with fewer submissions than VOLUME_DROP_FACTOR × its usual (same hour, baseline days) raises `volume-drop`. */
    VOLUME_DROP_FACTOR: z.coerce.number().gt(0).lt(1).default(0.3),
    VOLUME_MIN_SUBMISSIONS: threshold(10),
    VOLUME_BASELINE_DAYS: days(14),
    VOLUME_GRACE_MS: z.coerce
      .number()
      .int()
      .min(0)
      .max(HOUR)
      .default(5 * MINUTE),
    VOLUME_CHECK_MS: z.coerce.number().int().min(100).max(HOUR).default(60_000),
    /** At start, a fresh consumer group starts on the decisions topic DECISIONS_REPLAY_MS back (else at the end). */
    REBUILD_WINDOWS_ON_START: flag(true),
  })
  .superRefine(refineAuthConfig);

export type GovernanceConfig = z.infer<typeof governanceConfigSchema>;

const productionNotesKey = governanceConfigSchema.refine((config) => config.NODE_ENV !== 'production' || config.CASE_NOTES_KEY !== undefined, {
  path: ['CASE_NOTES_KEY'],
  message: 'is required in production',
});

export function loadGovernanceConfig(env: NodeJS.ProcessEnv = process.env): GovernanceConfig {
  return loadConfig(productionNotesKey, env);
}

export function qualityLimitsOf(config: GovernanceConfig): QualityLimits {
  const hours = config.INSTITUTION_WORKING_HOURS as Record<string, WorkingHours>;
  return {
    timeZones: Object.fromEntries(Object.entries(hours).map(([institution, { timeZone }]) => [institution, timeZone])),
    window: { windowMs: config.DATA_QUALITY_WINDOW_MS, threshold: config.DATA_QUALITY_THRESHOLD },
    rate: {
      factor: config.QUALITY_RATE_FACTOR,
      minIncrease: config.QUALITY_RATE_MIN_INCREASE,
      minResources: config.QUALITY_MIN_RESOURCES,
      days: config.QUALITY_BASELINE_DAYS,
      minDays: config.QUALITY_BASELINE_MIN_DAYS,
    },
  };
}

export function privacyLimitsOf(config: GovernanceConfig): PrivacyLimits {
  const hours = config.INSTITUTION_WORKING_HOURS as Record<string, WorkingHours>;
  return {
    volume: { windowMs: config.ACCESS_VOLUME_WINDOW_MS, threshold: config.ACCESS_VOLUME_MAX_PATIENTS },
    baseline: {
      factor: config.BASELINE_FACTOR,
      minPatients: config.BASELINE_MIN_PATIENTS,
      days: config.BASELINE_DAYS,
      minWindows: config.BASELINE_MIN_WINDOWS,
    },
    peers: { factor: config.PEER_FACTOR, minPatients: config.PEER_MIN_PATIENTS, minPeers: config.PEER_MIN_PEERS },
    offHours: { threshold: config.OFF_HOURS_MAX_PATIENTS },
    practitionerDenials: { windowMs: config.PRACTITIONER_DENIALS_WINDOW_MS, threshold: config.PRACTITIONER_DENIALS_THRESHOLD },
    deniedSpike: { windowMs: config.DENIED_SPIKE_WINDOW_MS, threshold: config.DENIED_SPIKE_THRESHOLD },
    research: { windowMs: config.RESEARCH_BURST_WINDOW_MS, threshold: config.RESEARCH_BURST_MAX_PATIENTS },
    careDays: config.CARE_RELATIONSHIP_DAYS,
    vipLabels: config.VIP_SECURITY_LABELS,
    workingHours: (institution) => hours[institution] ?? DEFAULT_WORKING_HOURS,
  };
}

export function caseLimitsOf(config: GovernanceConfig): CaseLimits {
  return {
    windowMs: config.CASE_WINDOW_MS,
    breakGlassReviewMs: config.BREAK_GLASS_REVIEW_MS,
    dueMs: { critical: config.CASE_DUE_CRITICAL_MS, warning: config.CASE_DUE_WARNING_MS, info: config.CASE_DUE_INFO_MS },
  };
}
