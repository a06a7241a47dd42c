import { useApi } from '@backstage/core-plugin-api';
import type { Version } from '@shipyard/backstage-plugin-common';
import { useEffect, useState } from 'react';
import { shipyardApiRef } from '../api';
import {
  serviceStatusStore,
  ServiceStatusStore,
  type ServiceStatusSnapshot,
} from './ServiceStatusStore';
import { useServiceSignal } from './useServiceSignal';

export {
  POLL_INTERVAL_MS,
  IDLE_POLL_INTERVAL_MS,
  isActive,
} from './ServiceStatusStore';

/** The shared status store of a service (see {@link ServiceStatusStore}). */
export function useServiceStatusStore(entityRef: string): ServiceStatusStore {
  const api = useApi(shipyardApiRef);
  const store = serviceStatusStore(api, entityRef);
  useServiceSignal(store);
  return store;
}

/** Subscribes to a store: re-renders whenever any version or workspace in it changes. */
function useSnapshot(store: ServiceStatusStore): ServiceStatusSnapshot {
  const [snapshot, setSnapshot] = useState(store.getSnapshot);
  useEffect(() => {
    const update = () => setSnapshot(store.getSnapshot());
    const unsubscribe = store.subscribe(update);
    update();
    return unsubscribe;
  }, [store]);
  return snapshot;
}

/**
 * The service in each of its workspaces, from the page's one status store:
 * refreshed every two seconds while a rollout runs and every fifteen
 * otherwise, while the page is visible. A refresh keeps showing the previous
 * answer until the new one arrives.
 */
export function useServiceWorkspaces(entityRef: string) {
  const store = useServiceStatusStore(entityRef);
  const { states, error, loading } = useSnapshot(store);
  return { states, error, loading, reload: store.reload, store };
}

/**
 * The freshest copy of one version, from the same store as everything else
 * on the page; `fallback` until the store has seen it.
 */
export function useVersion(
  entityRef: string,
  workspace: string,
  number: number,
  fallback?: Version,
): Version | undefined {
  const store = useServiceStatusStore(entityRef);
  useSnapshot(store);
  return store.version(workspace, number) ?? fallback;
}
