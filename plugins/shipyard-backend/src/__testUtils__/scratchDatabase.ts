import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import knexFactory from 'knex';

/**
 * A database of a test's own that other OS processes can open too (a backend
 * the test kills, a lease holder): a SQLite file in a temporary directory, or
 * a PostgreSQL database on the shared test server. `drop` removes it, so
 * repeated runs leave neither directories in the temporary directory nor
 * databases on the server.
 */
export interface ScratchDatabase {
  client: 'better-sqlite3' | 'pg';
  /** The SQLite file's path, or the PostgreSQL connection string of the new database. */
  connection: string;
  drop(): Promise<void>;
}

/**
 * @param prefix - names the directory or database, e.g. `shipyard_crash`.
 * @param postgres - the shared server's connection string, for `pg`.
 */
export async function scratchDatabase(engine: 'sqlite' | 'pg', prefix: string, postgres?: string): Promise<ScratchDatabase> {
  if (engine === 'sqlite') {
    const file = join(mkdtempSync(join(tmpdir(), `${prefix.replace(/_/g, '-')}-`)), 'db.sqlite');
    return {
      client: 'better-sqlite3',
      connection: file,
      drop: async () => rmSync(dirname(file), { recursive: true, force: true }),
    };
  }
  if (!postgres) throw new Error('BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is not set');
  const name = `${prefix}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const admin = () => knexFactory({ client: 'pg', connection: postgres });
  const creator = admin();
  try {
    await creator.raw(`create database ${name}`);
  } finally {
    await creator.destroy();
  }
  return {
    client: 'pg',
    connection: `${postgres.replace(/\/$/, '')}/${name}`,
    drop: async () => {
      const dropper = admin();
      try {
        // WITH (FORCE): a killed backend's sessions may not have been noticed by the server yet.
        await dropper.raw(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.destroy();
      }
    },
  };
}
