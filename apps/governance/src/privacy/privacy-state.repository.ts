// The privacy rules' state in PostgreSQL, shared by every governance instance: counter windows, keyed tokens of
// patients and practitioners, role registrations, care relationships and restricted lists.
import type { DataSource } from 'typeorm';
import type { AccessFact } from './access-fact';
import type { Baselines, Contribution, CounterName, RelationContext } from './privacy-rules';

export interface WindowCount {
  counter: CounterName;
  key: string;
  bucket: number;
  count: number;
}

export interface TokenRow {
  institution: string;
  familyName: readonly string[];
  address: readonly string[];
}

const windowId = (counter: string, key: string, bucket: number) => `${counter}\n${key}\n${bucket}`;

export class PrivacyStateRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Adds the items (a redelivered one is a no-op) and returns the distinct count of every window they touched.
   * Each statement commits on its own: the instance that counts last sees every item, so a window that crosses
   * its threshold is seen crossing it by at least one instance whatever the interleaving.
   */
  async count(contributions: readonly Contribution[]): Promise<WindowCount[]> {
    if (contributions.length === 0) return [];
    const columns = (pick: (contribution: Contribution) => string | number) => contributions.map(pick);
    await this.dataSource.query(
      `INSERT INTO privacy_counter_items (counter, key, bucket, item, peer_group)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[])
       ON CONFLICT DO NOTHING`,
      [columns((c) => c.counter), columns((c) => c.key), columns((c) => String(c.bucket)), columns((c) => c.item), columns((c) => c.peerGroup)],
    );
    const touched = new Map(contributions.map((c) => [windowId(c.counter, c.key, c.bucket), c]));
    const windows = [...touched.values()];
    const rows: { counter: CounterName; key: string; bucket: string; count: string }[] = await this.dataSource.query(
      `SELECT i.counter, i.key, i.bucket, count(*) AS count
       FROM privacy_counter_items i
       JOIN unnest($1::text[], $2::text[], $3::bigint[]) AS w(counter, key, bucket) ON i.counter = w.counter AND i.key = w.key AND i.bucket = w.bucket
       GROUP BY i.counter, i.key, i.bucket`,
      [windows.map((w) => w.counter), windows.map((w) => w.key), windows.map((w) => String(w.bucket))],
    );
    return rows.map((row) => ({ counter: row.counter, key: row.key, bucket: Number(row.bucket), count: Number(row.count) }));
  }

  /** Distinct patients of the practitioner's and the peers' active windows in [from, before). */
  async baselines(key: string, peerGroup: string, from: number, before: number): Promise<Baselines> {
    const rows: { own: boolean; key: string; count: string }[] = await this.dataSource.query(
      `SELECT key = $1 AS own, key, count(*) AS count FROM privacy_counter_items
       WHERE counter = 'patients' AND bucket >= $3 AND bucket < $4 AND (key = $1 OR ($2 <> '' AND peer_group = $2))
       GROUP BY key, bucket`,
      [key, peerGroup, String(from), String(before)],
    );
    const peers = rows.filter((row) => !row.own);
    return {
      own: rows.filter((row) => row.own).map((row) => Number(row.count)),
      peers: peers.map((row) => Number(row.count)),
      peerCount: new Set(peers.map((row) => row.key)).size,
    };
  }

  /** Everything the relationship rules need about each fact's practitioner and patient, in five queries. */
  async relations(facts: readonly AccessFact[]): Promise<Map<string, RelationContext>> {
    const practitioners = [...new Set(facts.map((fact) => fact.practitioner))];
    const patients = [...new Set(facts.flatMap((fact) => (fact.patient === undefined ? [] : [fact.patient])))];
    const institutions = [...new Set(facts.map((fact) => fact.institution))];
    const [roster, patientTokens, staff, restricted, care, roles] = await Promise.all([
      this.dataSource.query(`SELECT institution, practitioner, family_name, address, patient FROM practitioner_tokens WHERE practitioner = ANY($1)`, [
        practitioners,
      ]) as Promise<{ institution: string; practitioner: string; family_name: string[]; address: string[]; patient: string | null }[]>,
      this.dataSource.query(`SELECT patient, family_name, address, security_labels FROM patient_tokens WHERE patient = ANY($1)`, [patients]) as Promise<
        { patient: string; family_name: string[]; address: string[]; security_labels: string[] }[]
      >,
      this.dataSource.query(`SELECT DISTINCT institution, patient FROM practitioner_tokens WHERE patient = ANY($1) AND institution = ANY($2)`, [
        patients,
        institutions,
      ]) as Promise<{ institution: string; patient: string }[]>,
      this.dataSource.query(`SELECT DISTINCT patient FROM restricted_patients WHERE patient = ANY($1)`, [patients]) as Promise<{ patient: string }[]>,
      this.dataSource.query(`SELECT institution, patient, last_at FROM care_records WHERE patient = ANY($1) AND institution = ANY($2)`, [
        patients,
        institutions,
      ]) as Promise<{ institution: string; patient: string; last_at: Date }[]>,
      this.dataSource.query(`SELECT practitioner, role, registered_at FROM practitioner_roles WHERE practitioner = ANY($1) ORDER BY registered_at, event_id`, [
        practitioners,
      ]) as Promise<{ practitioner: string; role: string; registered_at: Date }[]>,
    ]);
    const contexts = new Map<string, RelationContext>();
    for (const fact of facts) {
      const self = roster.find((row) => row.practitioner === fact.practitioner && row.institution === fact.institution);
      // A patient known to several institutions has tokens from each: any of them may match.
      const tokens = patientTokens.filter((row) => row.patient === fact.patient);
      const lastCare = care.find((row) => row.institution === fact.institution && row.patient === fact.patient);
      contexts.set(fact.id, {
        ...(self ? { practitioner: { familyName: self.family_name, address: self.address, ...(self.patient ? { patient: self.patient } : {}) } } : {}),
        ...(tokens.length > 0
          ? {
              patient: {
                familyName: tokens.flatMap((row) => row.family_name),
                address: tokens.flatMap((row) => row.address),
                securityLabels: tokens.flatMap((row) => row.security_labels),
              },
            }
          : {}),
        staff: staff.some((row) => row.institution === fact.institution && row.patient === fact.patient),
        restricted: restricted.some((row) => row.patient === fact.patient),
        ...(lastCare ? { lastCareAt: lastCare.last_at.getTime() } : {}),
        roles: roles.filter((row) => row.practitioner === fact.practitioner).map((row) => ({ role: row.role, at: row.registered_at.getTime() })),
      });
    }
    return contexts;
  }

  async recordPatientTokens(
    rows: readonly { institution: string; patient: string; familyName: string[]; address: string[]; securityLabels: string[] }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    // In order, in one transaction: the newest tokens of a patient win.
    await this.dataSource.transaction(async (manager) => {
      for (const row of rows) {
        await manager.query(
          `INSERT INTO patient_tokens (institution, patient, family_name, address, security_labels) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (institution, patient) DO UPDATE SET family_name = EXCLUDED.family_name, address = EXCLUDED.address, security_labels = EXCLUDED.security_labels`,
          [row.institution, row.patient, row.familyName, row.address, row.securityLabels],
        );
      }
    });
  }

  async recordPractitionerTokens(
    rows: readonly { institution: string; practitioner: string; familyName: string[]; address: string[]; patient?: string }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await this.dataSource.transaction(async (manager) => {
      for (const row of rows) {
        await manager.query(
          `INSERT INTO practitioner_tokens (institution, practitioner, family_name, address, patient) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (institution, practitioner) DO UPDATE SET family_name = EXCLUDED.family_name, address = EXCLUDED.address, patient = EXCLUDED.patient`,
          [row.institution, row.practitioner, row.familyName, row.address, row.patient ?? null],
        );
      }
    });
  }

  async recordRoles(rows: readonly { eventId: string; institution: string; practitioner: string; role: string; at: string }[]): Promise<void> {
    if (rows.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO practitioner_roles (event_id, institution, practitioner, role, registered_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) ON CONFLICT DO NOTHING`,
      [rows.map((r) => r.eventId), rows.map((r) => r.institution), rows.map((r) => r.practitioner), rows.map((r) => r.role), rows.map((r) => r.at)],
    );
  }

  /** Keeps the newest clinical time per institution and patient. */
  async recordCare(rows: readonly { institution: string; patient: string; at: string }[]): Promise<void> {
    if (rows.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO care_records (institution, patient, last_at)
       SELECT institution, patient, max(at) FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS r(institution, patient, at) GROUP BY institution, patient
       ON CONFLICT (institution, patient) DO UPDATE SET last_at = GREATEST(care_records.last_at, EXCLUDED.last_at)`,
      [rows.map((r) => r.institution), rows.map((r) => r.patient), rows.map((r) => r.at)],
    );
  }

  /** An institution's restricted list (VIPs it protects without a security label): officers maintain it. */
  async restrict(institution: string, patient: string, restricted: boolean): Promise<void> {
    if (restricted)
      await this.dataSource.query(`INSERT INTO restricted_patients (institution, patient) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [institution, patient]);
    else await this.dataSource.query(`DELETE FROM restricted_patients WHERE institution = $1 AND patient = $2`, [institution, patient]);
  }

  /** Which institutions hold records of the patient: an officer of each may see cases about that patient. */
  async holdersOf(patient: string): Promise<string[]> {
    const rows: { institution: string }[] = await this.dataSource.query(`SELECT institution FROM care_records WHERE patient = $1`, [patient]);
    return rows.map((row) => row.institution);
  }
}
