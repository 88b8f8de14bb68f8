// The webhook tables: subscriptions (sealed secrets), deliveries (one per subscription and alert, claimed with a
// lease so N instances send each once) and the attempts log.
import type { DataSource } from 'typeorm';
import { concernsInstitution, toStoredAlert, type AlertRow } from '../alerts/alerts.repository';
import type { SealedSecret } from './webhook-secrets';
import { webhookBody, webhookIdOf, type AttemptOutcome, type NextStep } from './webhook-rules';

export interface Subscription {
  id: string;
  institution: string;
  url: string;
  /** Empty: every kind. */
  kinds: string[];
  /** Empty: every severity. */
  severities: string[];
  createdBy: string;
  createdAt: string;
  rotatedAt: string | null;
  /** Until when the previous secret still signs (a rotation's overlap), if it does. */
  previousSecretUntil: string | null;
}

export interface NewSubscription {
  id: string;
  institution: string;
  url: string;
  kinds: readonly string[];
  severities: readonly string[];
  secret: SealedSecret;
  createdBy: string;
}

/** A delivery an instance claimed: send it, then `finish` it with the attempt number it was claimed at. */
export interface ClaimedDelivery {
  webhookId: string;
  subscriptionId: string;
  url: string;
  body: string;
  attempt: number;
  secret: SealedSecret;
  /** The previous secret while it still signs. */
  previousSecret: SealedSecret | null;
}

export type DeliveryState = 'pending' | 'delivered' | 'dead';

export interface DeliveryRecord {
  webhookId: string;
  subscriptionId: string;
  institution: string;
  alertEventId: string;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: string | null;
  createdAt: string;
  finishedAt: string | null;
  log: { attempt: number; at: string; outcome: AttemptOutcome; status: number | null; durationMs: number }[];
}

export interface DeliveryQuery {
  /** An officer's institution; undefined: every institution (the operator). */
  institution?: string;
  subscriptionId?: string;
  state?: DeliveryState;
  limit: number;
}

interface SubscriptionRow {
  id: string;
  institution: string;
  url: string;
  kinds: string[];
  severities: string[];
  created_by: string;
  created_at: Date;
  rotated_at: Date | null;
  previous_until: Date | null;
}

const SUBSCRIPTION_COLUMNS = 'id, institution, url, kinds, severities, created_by, created_at, rotated_at, previous_until';

export class WebhooksRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(subscription: NewSubscription): Promise<Subscription> {
    const [row]: SubscriptionRow[] = await this.dataSource.query(
      `INSERT INTO webhook_subscriptions (id, institution, url, kinds, severities, secret, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${SUBSCRIPTION_COLUMNS}`,
      [
        subscription.id,
        subscription.institution,
        subscription.url,
        [...subscription.kinds],
        [...subscription.severities],
        JSON.stringify(subscription.secret),
        subscription.createdBy,
      ],
    );
    return toSubscription(row);
  }

  /** One institution's subscriptions, or (undefined) every one; oldest first. */
  async list(institution?: string): Promise<Subscription[]> {
    const rows: SubscriptionRow[] = await this.dataSource.query(
      `SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE ($1::text IS NULL OR institution = $1) ORDER BY created_at, id`,
      [institution ?? null],
    );
    return rows.map(toSubscription);
  }

  async get(id: string): Promise<Subscription | undefined> {
    const [row]: SubscriptionRow[] = await this.dataSource.query(`SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE id = $1`, [id]);
    return row === undefined ? undefined : toSubscription(row);
  }

  /** The new secret signs from now on; the one it replaces also signs until `previousUntil`. */
  async rotate(id: string, secret: SealedSecret, previousUntil: Date): Promise<Subscription> {
    const [row]: SubscriptionRow[] = await this.dataSource.query(
      `WITH rotated AS (UPDATE webhook_subscriptions SET previous_secret = secret, previous_until = $3, secret = $2, rotated_at = now()
       WHERE id = $1 RETURNING ${SUBSCRIPTION_COLUMNS}) SELECT * FROM rotated`,
      [id, JSON.stringify(secret), previousUntil.toISOString()],
    );
    return toSubscription(row);
  }

  /** Deletes the subscription with its deliveries and their log. */
  async delete(id: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM webhook_subscriptions WHERE id = $1`, [id]);
  }

  /**
   * Makes the deliveries of these stored alerts: one per subscription whose kinds and severities match and whose
   * institution the alert concerns (as officers see alerts), for alerts stored after the subscription was made.
   * Idempotent: a batch read again, by any instance, makes nothing twice. A `dead-letters` alert about a
   * subscription is not routed to that subscription (its other subscriptions get it). Returns how many were new.
   */
  async enqueue(alertEventIds: readonly string[]): Promise<number> {
    if (alertEventIds.length === 0) return 0;
    const matches: (AlertRow & { subscription_id: string })[] = await this.dataSource.query(
      `SELECT s.id AS subscription_id, a.* FROM alerts a JOIN webhook_subscriptions s
         ON (cardinality(s.kinds) = 0 OR a.kind = ANY (s.kinds))
        AND (cardinality(s.severities) = 0 OR a.severity = ANY (s.severities))
        AND a.stored_at >= s.created_at
        AND ${concernsInstitution('s.institution', 'a.')}
        AND NOT (a.kind = 'dead-letters' AND a.details->>'subscription' = s.id::text)
       WHERE a.event_id = ANY ($1)`,
      [[...alertEventIds]],
    );
    if (matches.length === 0) return 0;
    const inserted: unknown[] = await this.dataSource.query(
      `INSERT INTO webhook_deliveries (webhook_id, subscription_id, alert_event_id, body, state, next_attempt_at)
       SELECT id, subscription, alert, body, 'pending', now() FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[]) AS d (id, subscription, alert, body)
       ON CONFLICT DO NOTHING RETURNING webhook_id`,
      [
        matches.map((match) => webhookIdOf(match.subscription_id, match.event_id)),
        matches.map((match) => match.subscription_id),
        matches.map((match) => match.event_id),
        matches.map((match) => webhookBody(toStoredAlert(match))),
      ],
    );
    return inserted.length;
  }

  /**
   * Claims up to `limit` due deliveries for `leaseMs`: their attempt count goes up and their next attempt moves past
   * the lease, so no other instance takes them meanwhile (SKIP LOCKED: instances claiming at once take different
   * rows). An instance killed while sending leaves the claim to run out; the delivery is then sent again, same id.
   */
  async claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const rows: {
      webhook_id: string;
      subscription_id: string;
      url: string;
      body: string;
      attempts: number;
      secret: SealedSecret;
      previous_secret: SealedSecret | null;
    }[] = await this.dataSource.query(
      `WITH claimed AS (
         UPDATE webhook_deliveries d SET attempts = d.attempts + 1, next_attempt_at = now() + $2 * interval '1 millisecond'
         FROM webhook_subscriptions s
         WHERE s.id = d.subscription_id AND d.webhook_id IN (
           SELECT webhook_id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= now()
           ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING d.webhook_id, d.subscription_id, s.url, d.body, d.attempts, s.secret,
           CASE WHEN s.previous_until > now() THEN s.previous_secret END AS previous_secret)
       SELECT * FROM claimed`,
      [limit, leaseMs],
    );
    return rows.map((row) => ({
      webhookId: row.webhook_id,
      subscriptionId: row.subscription_id,
      url: row.url,
      body: row.body,
      attempt: row.attempts,
      secret: row.secret,
      previousSecret: row.previous_secret,
    }));
  }

  /**
   * Logs the attempt and moves the delivery on (delivered, dead, or pending until `retryAt`), if it is still this
   * claim's: an attempt whose lease ran out and was claimed again changes nothing. Returns whether it was.
   */
  async finish(
    delivery: Pick<ClaimedDelivery, 'webhookId' | 'attempt'>,
    attempt: { at: Date; outcome: AttemptOutcome; status: number | null; durationMs: number },
    next: NextStep,
  ): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `WITH moved AS (
         UPDATE webhook_deliveries SET state = $3, next_attempt_at = coalesce($4, next_attempt_at), finished_at = CASE WHEN $3 = 'pending' THEN NULL ELSE now() END
         WHERE webhook_id = $1 AND attempts = $2 AND state = 'pending' RETURNING webhook_id)
       INSERT INTO webhook_attempts (webhook_id, attempt, at, outcome, status, duration_ms)
       SELECT webhook_id, $2, $5, $6, $7, $8 FROM moved RETURNING webhook_id`,
      [
        delivery.webhookId,
        delivery.attempt,
        next.state,
        next.state === 'pending' ? next.retryAt.toISOString() : null,
        attempt.at.toISOString(),
        attempt.outcome,
        attempt.status,
        Math.round(attempt.durationMs),
      ],
    );
    return rows.length > 0;
  }

  /**
   * Queues a dead delivery of the institution's for one more attempt now (same webhook-id and body); it is dead again
   * if that attempt fails, as the retry budget is spent. Returns whether there was such a delivery.
   */
  async retryDead(webhookId: string, institution: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `WITH again AS (
         UPDATE webhook_deliveries d SET state = 'pending', next_attempt_at = now(), finished_at = NULL
         FROM webhook_subscriptions s
         WHERE d.webhook_id = $1 AND d.state = 'dead' AND s.id = d.subscription_id AND s.institution = $2 RETURNING d.webhook_id)
       SELECT * FROM again`,
      [webhookId, institution],
    );
    return rows.length > 0;
  }

  /** The delivery log, newest first, each delivery with its attempts. */
  async deliveries({ institution, subscriptionId, state, limit }: DeliveryQuery): Promise<DeliveryRecord[]> {
    const rows: {
      webhook_id: string;
      subscription_id: string;
      institution: string;
      alert_event_id: string;
      state: DeliveryState;
      attempts: number;
      next_attempt_at: Date;
      created_at: Date;
      finished_at: Date | null;
      log: { attempt: number; at: string; outcome: AttemptOutcome; status: number | null; duration_ms: number }[];
    }[] = await this.dataSource.query(
      `SELECT d.webhook_id, d.subscription_id, s.institution, d.alert_event_id, d.state, d.attempts, d.next_attempt_at, d.created_at, d.finished_at,
         coalesce((SELECT json_agg(json_build_object('attempt', t.attempt, 'at', t.at, 'outcome', t.outcome, 'status', t.status, 'duration_ms', t.duration_ms) ORDER BY t.attempt)
                   FROM webhook_attempts t WHERE t.webhook_id = d.webhook_id), '[]') AS log
       FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
       WHERE ($1::text IS NULL OR s.institution = $1) AND ($2::uuid IS NULL OR d.subscription_id = $2) AND ($3::text IS NULL OR d.state = $3)
       ORDER BY d.created_at DESC, d.webhook_id
       LIMIT $4`,
      [institution ?? null, subscriptionId ?? null, state ?? null, limit],
    );
    return rows.map((row) => ({
      webhookId: row.webhook_id,
      subscriptionId: row.subscription_id,
      institution: row.institution,
      alertEventId: row.alert_event_id,
      state: row.state,
      attempts: row.attempts,
      nextAttemptAt: row.state === 'pending' ? row.next_attempt_at.toISOString() : null,
      createdAt: row.created_at.toISOString(),
      finishedAt: row.finished_at?.toISOString() ?? null,
      log: row.log.map((entry) => ({
        attempt: entry.attempt,
        at: new Date(entry.at).toISOString(),
        outcome: entry.outcome,
        status: entry.status,
        durationMs: entry.duration_ms,
      })),
    }));
  }
}

function toSubscription(row: SubscriptionRow): Subscription {
  return {
    id: row.id,
    institution: row.institution,
    url: row.url,
    kinds: row.kinds,
    severities: row.severities,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    rotatedAt: row.rotated_at?.toISOString() ?? null,
    previousSecretUntil: row.previous_until !== null && row.previous_until.getTime() > Date.now() ? row.previous_until.toISOString() : null,
  };
}
