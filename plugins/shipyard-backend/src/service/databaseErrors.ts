import { ServiceUnavailableError } from '@backstage/errors';
import { ErrorRequestHandler } from 'express';

/*
 * A database that restarts, crashes or runs out of connections is a passing
 * condition, not a fault of the request: the caller should hear "retry", with
 * a 503, rather than a 500 that reads like a bug. The original error never
 * reaches the response or the log whole, since knex prefixes its message
 * with the SQL and its bindings, which can hold spec values.
 */

const SQLSTATE_REASONS: Record<string, string> = {
  '57P01': 'the database server is shutting down',
  '57P02': 'the database server is recovering from a crash',
  '57P03': 'the database server is starting up or shutting down',
  '53300': 'the database server has no free connection slots',
};

const SYSTEM_REASONS: Record<string, string> = {
  ECONNREFUSED: 'the database server refused the connection',
  ECONNRESET: 'the connection to the database server was reset',
  EPIPE: 'the connection to the database server was reset',
  ETIMEDOUT: 'connecting to the database server timed out',
  EHOSTUNREACH: 'the database server is unreachable',
  ENETUNREACH: 'the database server is unreachable',
  EAI_AGAIN: "the database server's host name could not be resolved",
};

// Errors node-postgres raises itself, without a code, when a connection ends.
const CLOSED_CONNECTION_MESSAGES = [
  /Connection terminated/,
  /is not queryable/,
  /timeout exceeded when trying to connect/,
  /Connection ended unexpectedly/,
];

/**
 * Why the database could not serve `error`'s query, in words fit for a
 * response, or undefined when `error` is not a database outage (a constraint,
 * a syntax error, a conflict: those keep their own meaning).
 */
export function databaseUnavailableReason(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const candidate = queue.shift();
    if (!candidate || typeof candidate !== 'object' || seen.has(candidate)) continue;
    seen.add(candidate);
    const { name, code, message, cause, errors } = candidate as {
      name?: unknown;
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (name === 'KnexTimeoutError') {
      return 'no database connection became free in time';
    }
    if (typeof code === 'string') {
      if (SQLSTATE_REASONS[code]) return `${SQLSTATE_REASONS[code]} (${code})`;
      if (/^08[0-9A-Z]{3}$/.test(code)) return `the connection to the database server failed (${code})`;
      if (SYSTEM_REASONS[code]) return `${SYSTEM_REASONS[code]} (${code})`;
    }
    if (typeof message === 'string' && CLOSED_CONNECTION_MESSAGES.some(m => m.test(message))) {
      return 'the connection to the database server was closed';
    }
    queue.push(cause);
    // Node reports a refused connection to several addresses as an AggregateError.
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return undefined;
}

/** `error` as a ServiceUnavailableError when it is a database outage, else `error` itself. */
export function toServiceUnavailableError(error: unknown): unknown {
  const reason = databaseUnavailableReason(error);
  return reason
    ? new ServiceUnavailableError(`database unavailable: ${reason}; retry in a few seconds`)
    : error;
}

/**
 * Express error middleware that answers database outages with a 503 and a
 * message saying to retry; every other error passes on unchanged. The
 * backend's error handler logs the 503, so this one does not.
 */
export function databaseUnavailableHandler(): ErrorRequestHandler {
  return (error, _req, _res, next) => next(toServiceUnavailableError(error));
}
