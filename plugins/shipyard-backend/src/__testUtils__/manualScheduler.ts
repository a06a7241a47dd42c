import { coreServices, createServiceFactory } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';

/**
 * A scheduler for test backends that runs scheduled tasks only when the
 * test triggers them, e.g. Shipyard's refresh task.
 */
export function manualScheduler() {
  const scheduler = mockServices.scheduler();
  return {
    factory: createServiceFactory({ service: coreServices.scheduler, deps: {}, factory: () => scheduler }),
    trigger: (id: string) => scheduler.triggerTask(id),
  };
}
