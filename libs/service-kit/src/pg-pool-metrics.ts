// Usage of the process's PostgreSQL connection pools (Prometheus, read at each scrape): open and idle connections and
// queries waiting for one, per pool: `state` (the service's own database, through TypeORM) and the ledger's replicas.
import { Gauge, register } from 'prom-client';
import type { DataSource } from 'typeorm';

/** What node-postgres' Pool counts. */
export interface PoolCounts {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

const pools = new Map<string, PoolCounts>();

function poolGauge(name: string, help: string, read: (pool: PoolCounts) => number): Gauge<'pool'> {
  return (
    (register.getSingleMetric(name) as Gauge<'pool'> | undefined) ??
    new Gauge({
      name,
      help,
      labelNames: ['pool'],
      collect() {
        this.reset();
        for (const [pool, counts] of pools) this.set({ pool }, read(counts));
      },
    })
  );
}

export const pgPoolMetrics = {
  connections: poolGauge('medshare_pg_pool_connections', 'Open connections of a PostgreSQL pool (busy and idle)', (pool) => pool.totalCount),
  idle: poolGauge('medshare_pg_pool_idle_connections', 'Idle connections of a PostgreSQL pool', (pool) => pool.idleCount),
  waiting: poolGauge(
    'medshare_pg_pool_waiting_requests',
    'Queries waiting for a connection of a PostgreSQL pool (the pool is exhausted)',
    (pool) => pool.waitingCount,
  ),
};

/** Reports `pool` under `name` from now on (a later pool of the same name replaces it). */
export function observePgPool(name: string, pool: PoolCounts): void {
  pools.set(name, pool);
}

/** TypeORM's node-postgres pool behind an initialised PostgreSQL data source. */
export function typeormPool(dataSource: DataSource): PoolCounts {
  const pool = (dataSource.driver as unknown as { master?: PoolCounts }).master;
  if (!pool) throw new Error('the data source has no PostgreSQL pool (not initialised?)');
  return pool;
}
