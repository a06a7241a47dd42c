import { mockServices } from '@backstage/backend-test-utils';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { ConflictError } from '@backstage/errors';
import express from 'express';
import Router from 'express-promise-router';
import knexFactory from 'knex';
import { createServer } from 'node:net';
import request from 'supertest';
import { databaseUnavailableHandler, databaseUnavailableReason, toServiceUnavailableError } from './databaseErrors';

/** What pg's DatabaseError looks like once knex has put the query in front of its message. */
function pgError(code: string, message: string) {
  const error = new Error(
    `insert into "shipyard_specs" ("hash", "spec") values ($1, $2) - ${message}`,
  ) as Error & { code: string; severity: string };
  error.name = 'error';
  error.code = code;
  error.severity = 'FATAL';
  return error;
}

// knex prints pool errors to the console unless given a logger.
const log = { warn() {}, error() {}, debug() {}, deprecate() {} };

async function closedPort(): Promise<number> {
  return new Promise(resolve => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('databaseUnavailableReason', () => {
  it('recognises a server that is restarting, crashing or full', () => {
    expect(databaseUnavailableReason(pgError('57P01', 'terminating connection due to administrator command'))).toBe(
      'the database server is shutting down (57P01)',
    );
    expect(databaseUnavailableReason(pgError('57P02', 'terminating connection because of crash of another server process'))).toMatch(/crash/);
    expect(databaseUnavailableReason(pgError('57P03', 'the database system is starting up'))).toMatch(/starting up/);
    expect(databaseUnavailableReason(pgError('08006', 'connection failure'))).toMatch(/08006/);
    expect(databaseUnavailableReason(pgError('53300', 'sorry, too many clients already'))).toMatch(/connection slots/);
  });

  it('recognises connections that node-postgres saw end', () => {
    expect(databaseUnavailableReason(new Error('select 1 - Connection terminated unexpectedly'))).toMatch(/closed/);
    expect(databaseUnavailableReason(new Error('ROLLBACK - Client has encountered a connection error and is not queryable'))).toMatch(/closed/);
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(databaseUnavailableReason(reset)).toMatch(/reset/);
  });

  it('recognises a refused connection from a real client, on one address or several', async () => {
    const port = await closedPort();
    for (const host of ['127.0.0.1', 'localhost']) {
      const knex = knexFactory({ client: 'pg', connection: `postgresql://postgres@${host}:${port}/postgres`, log });
      const error = await knex.raw('select 1').catch(e => e);
      await knex.destroy();
      expect(databaseUnavailableReason(error)).toBe('the database server refused the connection (ECONNREFUSED)');
    }
  });

  it('recognises a pool that had no free connection in time', async () => {
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: ':memory:' },
      useNullAsDefault: true,
      pool: { min: 1, max: 1 },
      acquireConnectionTimeout: 100,
      log,
    });
    let error: unknown;
    await knex.transaction(async () => {
      error = await knex.raw('select 1').catch(e => e);
    });
    await knex.destroy();
    expect((error as Error).name).toBe('KnexTimeoutError');
    expect(databaseUnavailableReason(error)).toBe('no database connection became free in time');
  });

  it('looks through causes', () => {
    const wrapped = new Error('renewing the lease', { cause: pgError('57P01', 'terminating connection') });
    expect(databaseUnavailableReason(wrapped)).toMatch(/57P01/);
  });

  it('leaves errors that are not outages alone', () => {
    expect(databaseUnavailableReason(pgError('23505', 'duplicate key value violates unique constraint'))).toBeUndefined();
    expect(databaseUnavailableReason(pgError('22P05', 'unsupported Unicode escape sequence'))).toBeUndefined();
    expect(databaseUnavailableReason(new ConflictError('busy'))).toBeUndefined();
    expect(databaseUnavailableReason(undefined)).toBeUndefined();
    expect(databaseUnavailableReason('ECONNREFUSED')).toBeUndefined();
  });
});

describe('toServiceUnavailableError', () => {
  it('says to retry and never repeats the query or its values', () => {
    const error = toServiceUnavailableError(pgError('57P01', 'terminating connection due to administrator command')) as Error;
    expect(error.name).toBe('ServiceUnavailableError');
    expect(error.message).toBe('database unavailable: the database server is shutting down (57P01); retry in a few seconds');
    expect(JSON.stringify({ ...error, message: error.message })).not.toMatch(/insert|shipyard_specs|\$1/);
  });

  it('returns other errors as they are', () => {
    const conflict = new ConflictError('busy');
    expect(toServiceUnavailableError(conflict)).toBe(conflict);
  });
});

describe('databaseUnavailableHandler', () => {
  function app(withHandler: boolean) {
    const router = Router();
    router.get('/restarting', async () => {
      throw pgError('57P01', 'terminating connection due to administrator command');
    });
    router.get('/conflict', async () => {
      throw new ConflictError('payments in dev is busy');
    });
    if (withHandler) router.use(databaseUnavailableHandler());
    const middleware = MiddlewareFactory.create({ config: mockServices.rootConfig(), logger: mockServices.logger.mock() });
    return express().use(router).use(middleware.error());
  }

  it('turns a database outage into a 503 that says to retry, where it would be a 500', async () => {
    const before = await request(app(false)).get('/restarting');
    expect(before.status).toBe(500);

    const after = await request(app(true)).get('/restarting');
    expect(after.status).toBe(503);
    expect(after.body.error).toEqual({
      name: 'ServiceUnavailableError',
      message: 'database unavailable: the database server is shutting down (57P01); retry in a few seconds',
    });
  });

  it('passes other errors on with their own status', async () => {
    const response = await request(app(true)).get('/conflict');
    expect(response.status).toBe(409);
  });
});
