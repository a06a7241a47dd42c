import { useApi } from '@backstage/core-plugin-api';
import {
  envReference,
  specWarnings,
  type PlanIssue,
  type ServiceSpec,
} from '@shipyard/backstage-plugin-common';
import { useEffect, useMemo, useState } from 'react';
import { shipyardApiRef } from '../../api';
import { messageOf } from '../../api/errors';

/** How long typing pauses before the workspace is asked about a spec's references. */
export const PREFLIGHT_DELAY_MS = 500;

/** What a deploy of the spec being edited would meet, as far as is known yet. */
export interface DeployPreflightState {
  /** Secret and ConfigMap keys the spec reads that the namespace lacks. */
  blockers: PlanIssue[];
  /** E.g. a literal value in a variable named like a secret. */
  warnings: PlanIssue[];
  /** The references are being looked up. */
  checking: boolean;
  /** Why they could not be looked up; the deploy checks them again. */
  error?: string;
}

/**
 * Checks a spec as it is edited, before it is sent: its warnings at once (the
 * shared rules), and the Secrets and ConfigMaps its env reads in the
 * workspace's namespace (the backend's preflight, the same check a deploy
 * and a promotion make).
 */
export function useDeployPreflight(
  entityRef: string,
  workspace: string,
  spec: ServiceSpec | undefined,
): DeployPreflightState {
  const api = useApi(shipyardApiRef);
  const warnings = useMemo(() => (spec ? specWarnings(spec) : []), [spec]);
  const readsReferences =
    !!spec &&
    Object.values(spec.env ?? {}).some(value => !!envReference(value));
  const key = readsReferences ? JSON.stringify(spec) : '';
  const [answer, setAnswer] = useState<{
    key: string;
    blockers: PlanIssue[];
    error?: string;
  }>();

  useEffect(() => {
    if (!key) {
      return undefined;
    }
    let cancelled = false;
    const timer = setTimeout(() => {
      api.preflightDeploy(entityRef, workspace, JSON.parse(key)).then(
        result => !cancelled && setAnswer({ key, blockers: result.blockers }),
        error =>
          !cancelled &&
          setAnswer({ key, blockers: [], error: messageOf(error) }),
      );
    }, PREFLIGHT_DELAY_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [api, entityRef, workspace, key]);

  const current = key && answer?.key === key ? answer : undefined;
  return {
    blockers: current?.blockers ?? [],
    warnings,
    checking: !!key && !current,
    error: current?.error,
  };
}
