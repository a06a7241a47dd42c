import { useSignal } from '@backstage/plugin-signals-react';
import { useEffect } from 'react';
import type { ServiceStatusStore } from './ServiceStatusStore';

/**
 * The signal channel of a service's versions; the backend publishes on the
 * same name (plugins/shipyard-backend/src/signals/versionSignals.ts).
 */
export function serviceSignalChannel(entityRef: string): string {
  return `shipyard:${entityRef}`;
}

/**
 * Refreshes the service's status store the moment the backend signals a
 * version status change, and lets it poll rarely meanwhile. In an app
 * without the signals plugin (`@backstage/plugin-signals`), it does nothing
 * and the store keeps polling as before.
 */
export function useServiceSignal(store: ServiceStatusStore): void {
  const { lastSignal, isSignalsAvailable } = useSignal(
    serviceSignalChannel(store.entityRef),
  );
  useEffect(
    () => (isSignalsAvailable ? store.attachSignals() : undefined),
    [store, isSignalsAvailable],
  );
  useEffect(() => {
    if (lastSignal) {
      store.signalled(lastSignal);
    }
  }, [store, lastSignal]);
}
