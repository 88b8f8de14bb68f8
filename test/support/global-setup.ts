// Jest global set-up for the int and e2e tiers: real Kafka and PostgreSQL, started once per run.
import { ensureInfrastructure } from './infrastructure';

export default async function globalSetup(): Promise<void> {
  await ensureInfrastructure();
}
