import {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';

/**
 * Waits until the catalog has the entity. A template that registers a
 * service and deploys it in the next step races the catalog's processing
 * loop, which ingests a new location a few seconds after it is added.
 */
export async function waitForEntity(
  catalog: CatalogService,
  entityRef: string,
  credentials: BackstageCredentials,
  options: { logger: LoggerService; signal?: AbortSignal; timeoutMs?: number },
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const giveUpAt = Date.now() + timeoutMs;
  let logged = false;
  for (;;) {
    if (await catalog.getEntityByRef(entityRef, { credentials })) {
      return;
    }
    if (Date.now() > giveUpAt || options.signal?.aborted) {
      throw new NotFoundError(
        `entityRef: no catalog entity ${entityRef} (waited ${Math.round(
          timeoutMs / 1000,
        )} s for the catalog to ingest it)`,
      );
    }
    if (!logged) {
      options.logger.info(`Waiting for the catalog to ingest ${entityRef} …`);
      logged = true;
    }
    await new Promise(resolve => setTimeout(resolve, 1000));
  }
}
