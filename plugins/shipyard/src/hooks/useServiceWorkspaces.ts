import { useApi } from '@backstage/core-plugin-api';
import type { ServiceWorkspaceState } from '@shipyard/backstage-plugin-common';
import { useCallback, useEffect, useRef, useState } from 'react';
import { shipyardApiRef } from '../api';
import { isActive } from '../components/shared/VersionStatus';

/** How often the UI refreshes while a version is being applied or rolled out. */
export const POLL_INTERVAL_MS = 2000;

/** Whether any workspace has a version that is still being applied or rolled out. */
export function anyActive(states: ServiceWorkspaceState[] | undefined): boolean {
  return !!states?.some(state => isActive(state.latestVersion) || isActive(state.currentVersion));
}

/**
 * The service in each of its workspaces, refreshed every
 * {@link POLL_INTERVAL_MS} while a rollout runs. A refresh keeps showing the
 * previous answer until the new one arrives.
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

  const polling = anyActive(states);
  useEffect(() => {
    if (!polling) {
      return undefined;
    }
    const timer = setInterval(reload, POLL_INTERVAL_MS);
    return () => clearInterval(timer);
  }, [polling, reload]);

  return { states, error, loading, reload };
}
