// The disclosures, shreds and identifier links the compliance reports are built from, stored idempotently by
// event id (a replayed topic inserts nothing), and the queries each report makes.
import type { DataSource } from 'typeorm';
import type { EventOf } from '@medshare/contracts';

export interface DisclosureLine {
  eventId: string;
  decisionId: string;
  disclosedAt: string;
  patient: string;
  requesterInstitution: string;
  practitioner: string;
  role: string | null;
  purpose: string;
  breakGlass: boolean;
  deIdentified: boolean;
  resourceTypes: string[];
  /** The institutions whose records were disclosed. */
  holders: string[];
  recordCount: number;
}

export interface ShredLine {
  eventId: string;
  patient: string;
  /** The keyed reference of the erasure request, as the encryption service published it. */
  reason: string;
  destroyedDeks: number;
  shreddedAt: string;
}

export interface Period {
  from: Date;
  to: Date;
}

interface DisclosureRow {
  event_id: string;
  decision_id: string;
  disclosed_at: Date;
  patient: string;
  requester_institution: string;
  practitioner: string;
  role: string | null;
  purpose: string;
  break_glass: boolean;
  de_identified: boolean;
  resource_types: string[];
  holders: string[];
  record_count: number;
}

export class ReportsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async storeDisclosures(events: readonly EventOf<'records.disclosed.v1'>[]): Promise<void> {
    if (events.length === 0) return;
    const rows = events.map(({ id, time, data }) => ({
      event_id: id,
      decision_id: data.decisionId,
      disclosed_at: time,
      patient: data.patient,
      requester_institution: data.requester.institution,
      practitioner: data.requester.practitioner,
      role: data.requester.role ?? null,
      purpose: data.purpose,
      break_glass: data.breakGlass,
      de_identified: data.deIdentified,
      resource_types: [...new Set(data.records.map((record) => record.resourceType))].sort(),
      holders: [...new Set(data.records.map((record) => record.institution))].sort(),
      record_count: data.records.length,
    }));
    await this.dataSource.query(
      `INSERT INTO disclosures SELECT * FROM jsonb_populate_recordset(NULL::disclosures, $1::jsonb) ON CONFLICT (event_id) DO NOTHING`,
      [JSON.stringify(rows)],
    );
  }

  async storeShreds(events: readonly EventOf<'keys.patient-shredded.v1'>[]): Promise<void> {
    if (events.length === 0) return;
    const rows = events.map(({ id, time, data }) => ({
      event_id: id,
      patient: data.patient,
      reason: data.reason,
      destroyed_deks: data.destroyedDeks,
      shredded_at: time,
    }));
    await this.dataSource.query(`INSERT INTO shreds SELECT * FROM jsonb_populate_recordset(NULL::shreds, $1::jsonb) ON CONFLICT (event_id) DO NOTHING`, [
      JSON.stringify(rows),
    ]);
  }

  /** A link never changes (ingestion's rule), so the first one stored stays. */
  async storeLinks(events: readonly EventOf<'identity.linked.v1'>[]): Promise<void> {
    const rows = events.flatMap((event) => event.data.links.map((link) => ({ identifier: link.identifier, patient: link.patient })));
    if (rows.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO identity_links SELECT * FROM jsonb_populate_recordset(NULL::identity_links, $1::jsonb) ON CONFLICT (identifier) DO NOTHING`,
      [JSON.stringify(rows)],
    );
  }

  /** The patient an identifier's pseudonym names: its link, else itself (an identifier without a link is the patient's own). */
  async patientOf(identifierPseudonym: string): Promise<string> {
    const [row]: { patient: string }[] = await this.dataSource.query(`SELECT patient FROM identity_links WHERE identifier = $1`, [identifierPseudonym]);
    return row?.patient ?? identifierPseudonym;
  }

  /** One patient's disclosures in a period, oldest first; of one holder's records when `holder` is given. */
  async disclosuresOf(patient: string, period: Period, holder?: string): Promise<DisclosureLine[]> {
    const rows: DisclosureRow[] = await this.dataSource.query(
      `SELECT * FROM disclosures WHERE patient = $1 AND disclosed_at >= $2 AND disclosed_at < $3 AND ($4::text IS NULL OR $4 = ANY (holders)) ORDER BY disclosed_at, event_id`,
      [patient, period.from.toISOString(), period.to.toISOString(), holder ?? null],
    );
    return rows.map(toDisclosureLine);
  }

  /** Every disclosure in a period that an institution gave (its records) or received (its staff asked). */
  async disclosuresInvolving(institution: string, period: Period): Promise<DisclosureLine[]> {
    const rows: DisclosureRow[] = await this.dataSource.query(
      `SELECT * FROM disclosures WHERE disclosed_at >= $2 AND disclosed_at < $3 AND ($1 = ANY (holders) OR requester_institution = $1) ORDER BY disclosed_at, event_id`,
      [institution, period.from.toISOString(), period.to.toISOString()],
    );
    return rows.map(toDisclosureLine);
  }

  /** Disclosures per purpose since a moment: those an institution gave or received, or all. */
  async perPurpose(since: Date, institution?: string): Promise<{ purpose: string; count: number }[]> {
    const rows: { purpose: string; count: string }[] = await this.dataSource.query(
      `SELECT purpose, count(*) AS count FROM disclosures WHERE disclosed_at >= $1 AND ($2::text IS NULL OR $2 = ANY (holders) OR requester_institution = $2) GROUP BY purpose ORDER BY purpose`,
      [since.toISOString(), institution ?? null],
    );
    return rows.map((row) => ({ purpose: row.purpose, count: Number(row.count) }));
  }

  /** Shreds in a period, oldest first; of one patient when given. */
  async shreds(period: Period, patient?: string): Promise<ShredLine[]> {
    const rows: { event_id: string; patient: string; reason: string; destroyed_deks: number; shredded_at: Date }[] = await this.dataSource.query(
      `SELECT * FROM shreds WHERE shredded_at >= $1 AND shredded_at < $2 AND ($3::text IS NULL OR patient = $3) ORDER BY shredded_at, event_id`,
      [period.from.toISOString(), period.to.toISOString(), patient ?? null],
    );
    return rows.map((row) => ({
      eventId: row.event_id,
      patient: row.patient,
      reason: row.reason,
      destroyedDeks: row.destroyed_deks,
      shreddedAt: row.shredded_at.toISOString(),
    }));
  }
}

function toDisclosureLine(row: DisclosureRow): DisclosureLine {
  return {
    eventId: row.event_id,
    decisionId: row.decision_id,
    disclosedAt: row.disclosed_at.toISOString(),
    patient: row.patient,
    requesterInstitution: row.requester_institution,
    practitioner: row.practitioner,
    role: row.role,
    purpose: row.purpose,
    breakGlass: row.break_glass,
    deIdentified: row.de_identified,
    resourceTypes: row.resource_types,
    holders: row.holders,
    recordCount: row.record_count,
  };
}
