// PostgreSQL through TypeORM: explicit entity and migration lists, migrations run at start, never synchronize.
import { Client } from 'pg';
import { DataSource, type MixedList, type EntitySchema } from 'typeorm';

export interface DatabaseOptions {
  url: string;
  /** Classes, never globs: a listed migration cannot go missing in a build. */
  entities: MixedList<string | (new () => unknown) | EntitySchema>;
  migrations: MixedList<string | (new () => unknown)>;
  /** Schema-qualified table TypeORM keeps its migration history in. */
  migrationsTableName?: string;
}

export function createDataSource({ url, entities, migrations, migrationsTableName }: DatabaseOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsTableName: migrationsTableName ?? 'migrations',
    migrationsRun: false,
    synchronize: false,
    logging: false,
    extra: { max: 10, connectionTimeoutMillis: 3000 },
  });
}

/** Creates the database named in `url` when it is missing (fresh machines, throwaway test databases). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`database name must be a lower-case identifier`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } catch (error) {
        // Two instances starting together may race to create it: losing that race is fine.
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    }
  } finally {
    await client.end();
  }
}

export async function openDatabase(options: DatabaseOptions): Promise<DataSource> {
  await ensureDatabase(options.url);
  const dataSource = createDataSource(options);
  await dataSource.initialize();
  // Instances of one service may start together: an advisory lock lets one of them migrate at a time.
  const lock = new Client({ connectionString: options.url });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`medshare-migrations:${options.migrationsTableName ?? 'migrations'}`]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await lock.end();
  }
  return dataSource;
}
