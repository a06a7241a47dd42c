import { useApi } from '@backstage/core-plugin-api';
import type { ServiceWorkspaceState } from '@shipyard/backstage-plugin-common';
import { useCallback, useEffect, useRef, useState } from 'react';
import { shipyardApiRef } from '../api';
import { isActive } from '../components/shared/VersionStatus';

/** How often the UI refreshes while a version is being applied or rolled out. */
export const POLL_INTERVAL_MS = 2000;

/** How often it refreshes otherwise, to show what others deployed meanwhile. */
export const IDLE_POLL_INTERVAL_MS = 15_000;

/** Whether any workspace has a version that is still being applied or rolled out. */
export function anyActive(
  states: ServiceWorkspaceState[] | undefined,
): boolean {
  return !!states?.some(
    state => isActive(state.latestVersion) || isActive(state.currentVersion),
  );
}

/**
 * The service in each of its workspaces, refreshed every
 * {@link POLL_INTERVAL_MS} while a rollout runs and every
 * {@link IDLE_POLL_INTERVAL_MS} otherwise, while the page is visible. A
 * refresh keeps showing the previous answer until the new one arrives.
 */
export function useServiceWorkspaces(entityRef: string) {
  const api = useApi(shipyardApiRef);
  const [states, setStates] = useState<ServiceWorkspaceState[]>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(true);
  const request = useRef(0);

  const reload = useCallback(async () => {
    const id = ++request.current;
    setLoading(true);
    try {
      const result = await api.getServiceWorkspaces(entityRef);
      if (id === request.current) {
        setStates(result);
        setError(undefined);
      }
      return result;
    } catch (e) {
      if (id === request.current) {
        setError(e as Error);
      }
      return undefined;
    } finally {
      if (id === request.current) {
        setLoading(false);
      }
    }
  }, [api, entityRef]);

  useEffect(() => {
    setStates(undefined);
    reload();
  }, [reload]);

  const interval = anyActive(states) ? POLL_INTERVAL_MS : IDLE_POLL_INTERVAL_MS;
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState !== 'hidden') {
        reload();
      }
    }, interval);
    return () => clearInterval(timer);
  }, [interval, reload]);

  return { states, error, loading, reload };
}
