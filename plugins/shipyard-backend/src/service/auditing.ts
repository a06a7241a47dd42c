import {
  AuditorService,
  BackstageCredentials,
  BackstageServicePrincipal,
  BackstageUserPrincipal,
} from '@backstage/backend-plugin-api';
import { JsonObject } from '@backstage/types';
import { Request } from 'express';

/** The user entity ref of a user caller, `service:<subject>` for a service. */
export function actorOf(credentials: BackstageCredentials): string {
  const principal = credentials.principal as BackstageUserPrincipal | BackstageServicePrincipal;
  return principal.type === 'user' ? principal.userEntityRef : `service:${principal.subject}`;
}

/**
 * Runs a mutation inside an audit event, recording its success with
 * `resultMeta` or its failure. Events never carry a spec or input values, so
 * no secret leaks into them.
 */
export async function runAudited<T>(
  auditor: AuditorService,
  context: { credentials: BackstageCredentials; request?: Request },
  eventId: string,
  meta: JsonObject,
  run: () => Promise<T>,
  resultMeta: (result: T) => JsonObject,
): Promise<T> {
  const event = await auditor.createEvent({
    eventId,
    severityLevel: 'medium',
    request: context.request,
    // Without an HTTP request (registry actions) the auditor cannot tell who called.
    meta: context.request ? meta : { ...meta, actor: actorOf(context.credentials) },
  });
  try {
    const result = await run();
    await event.success({ meta: resultMeta(result) });
    return result;
  } catch (error) {
    await event.fail({ error: error as Error });
    throw error;
  }
}
