import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { toServiceUnavailableError } from '../service/databaseErrors';

/**
 * Refuses an action that changes a cluster unless a user calls it. A
 * service principal (e.g. `plugin:mcp-actions` for an MCP client with a
 * static token) passes every permission check, so through an assistant it
 * would reach protected workspaces that no user policy ever granted.
 */
export function requireUserCaller(credentials: BackstageCredentials, action: string): void {
  const principal = credentials.principal as { type: string; subject?: string };
  if (principal.type !== 'user') {
    throw new NotAllowedError(
      `shipyard:${action} changes what runs on a cluster and needs a user's credentials; the caller is ${principal.type === 'service' ? `service:${principal.subject}` : principal.type}, which the permission policy does not check. Give the assistant a user token.`,
    );
  }
}

/**
 * `T` as a mapped type: the same fields, but, unlike an interface, assignable
 * to the index signatures of zod's passthrough objects and records.
 */
export type PlainData<T> = T extends Array<infer U>
  ? Array<PlainData<U>>
  : T extends object
    ? { [K in keyof T]: PlainData<T[K]> }
    : T;

/**
 * Runs one ShipyardService call for an action and answers its result as the
 * action's output. Backstage errors (InputError, NotAllowedError,
 * ConflictError, …) pass unchanged; a database outage becomes the router's
 * 503 "database unavailable …; retry", whose message, unlike knex's, carries
 * no SQL bindings that could hold spec values.
 */
export async function callService<T>(call: () => Promise<T>): Promise<PlainData<T>> {
  try {
    return (await call()) as PlainData<T>;
  } catch (error) {
    throw toServiceUnavailableError(error);
  }
}
