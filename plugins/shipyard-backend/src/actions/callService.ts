import { toServiceUnavailableError } from '../service/databaseErrors';

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
