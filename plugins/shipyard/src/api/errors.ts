import { ResponseError } from '@backstage/errors';

/** The status code of a failed Shipyard request, if it reached the backend. */
export function statusCodeOf(error: unknown): number | undefined {
  return ResponseError.is(error) ? error.statusCode : undefined;
}

/** Whether a request failed with 409 Conflict. */
export function isConflict(error: unknown): boolean {
  return statusCodeOf(error) === 409;
}

/** The backend's own message for a failed request, without the HTTP preamble. */
export function messageOf(error: unknown): string {
  if (ResponseError.is(error)) {
    return error.cause?.message || error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Whether a 409 from POST /promotions says the plan is stale (rather than busy or blocked). */
export function isStalePlan(error: unknown): boolean {
  return isConflict(error) && /planHash|stale/i.test(messageOf(error));
}

/** Whether a 409 says another operation holds the lease of the workspace. */
export function isBusy(error: unknown): boolean {
  return isConflict(error) && /\bbusy\b/i.test(messageOf(error));
}

/** Whether a 409 says a deploy references Secret or ConfigMap keys missing in the namespace. */
export function isMissingReferences(error: unknown): boolean {
  return isConflict(error) && /^missing references: /.test(messageOf(error));
}

/** The missing references a deploy was refused for, one line each (`env.X: Secret … does not exist`). */
export function missingReferencesOf(error: unknown): string[] {
  const list = messageOf(error)
    .replace(/^missing references: /, '')
    .replace(/; create them first, or deploy anyway.*$/, '');
  return list.split(/; (?=env\.)/);
}
