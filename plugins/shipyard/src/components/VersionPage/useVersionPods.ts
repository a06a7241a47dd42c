import { useApiHolder } from '@backstage/core-plugin-api';
import {
  kubernetesApiRef,
  kubernetesProxyApiRef,
} from '@backstage/plugin-kubernetes-react';
import type {
  VersionDetail,
  Workspace,
} from '@shipyard/backstage-plugin-common';
import { useCallback, useEffect, useRef, useState } from 'react';

/** A pod of a version, as the cluster reports it. */
export interface VersionPod {
  name: string;
  phase: string;
  /** e.g. `1/1`. */
  ready: string;
  restarts: number;
  /** What a container waits for or why it stopped, e.g. `CrashLoopBackOff`. */
  reason?: string;
  node?: string;
  createdAt?: string;
  terminating: boolean;
  containers: string[];
}

/** An event the cluster recorded about one of the version's objects. */
export interface ClusterEvent {
  type: string;
  reason: string;
  message: string;
  object: string;
  at?: string;
  count: number;
}

/** How often the pods are read again while a rollout runs. */
export const PODS_POLL_MS = 3000;

/** The label selector of a version's pods: its Deployment's pod labels that name the service and the version. */
export function podSelector(detail: VersionDetail): string | undefined {
  const deployment = detail.manifests.find(m => m.kind === 'Deployment') as
    | {
        spec?: {
          selector?: { matchLabels?: Record<string, string> };
          template?: { metadata?: { labels?: Record<string, string> } };
        };
      }
    | undefined;
  const matchLabels = deployment?.spec?.selector?.matchLabels;
  const version =
    deployment?.spec?.template?.metadata?.labels?.['shipyard/version'];
  if (!matchLabels || !version) {
    return undefined;
  }
  return Object.entries({ ...matchLabels, 'shipyard/version': version })
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

function toPod(item: any): VersionPod {
  const statuses: any[] = item.status?.containerStatuses ?? [];
  const waiting = statuses.find(s => s.state?.waiting)?.state.waiting.reason;
  const terminated = statuses.find(s => s.state?.terminated)?.state.terminated
    .reason;
  return {
    name: item.metadata.name,
    phase: item.status?.phase ?? 'Unknown',
    ready: `${statuses.filter(s => s.ready).length}/${
      (item.spec?.containers ?? []).length
    }`,
    restarts: statuses.reduce((sum, s) => sum + (s.restartCount ?? 0), 0),
    reason: waiting ?? terminated ?? item.status?.reason,
    node: item.spec?.nodeName,
    createdAt: item.metadata.creationTimestamp,
    terminating: !!item.metadata.deletionTimestamp,
    containers: (item.spec?.containers ?? []).map((c: any) => c.name),
  };
}

function toEvent(item: any): ClusterEvent {
  return {
    type: item.type ?? 'Normal',
    reason: item.reason ?? '',
    message: item.message ?? '',
    object: `${item.involvedObject?.kind ?? ''}/${
      item.involvedObject?.name ?? ''
    }`,
    at:
      item.lastTimestamp ??
      item.eventTime ??
      item.firstTimestamp ??
      item.metadata?.creationTimestamp,
    count: item.count ?? 1,
  };
}

async function failure(response: Response): Promise<Error> {
  const text = await response.text().catch(() => '');
  let message = text;
  try {
    const body = JSON.parse(text);
    message = body.message ?? body.error?.message ?? text;
  } catch {
    // not JSON: the text as it is
  }
  return new Error(
    `${response.status} ${response.statusText}${message ? `: ${message}` : ''}`,
  );
}

/**
 * The pods of one version and the cluster's events about them and its
 * Deployment, read through the Kubernetes plugin's proxy with the viewer's
 * own permissions and cluster credentials. Undefined `unavailable` means the
 * app has the Kubernetes plugin and the workspace a cluster.
 */
export function useVersionPods(
  workspace: Workspace,
  detail: VersionDetail | undefined,
  options: { poll: boolean },
) {
  const apis = useApiHolder();
  const kubernetesApi = apis.get(kubernetesApiRef);
  const proxyApi = apis.get(kubernetesProxyApiRef);
  const [state, setState] = useState<{
    pods?: VersionPod[];
    events?: ClusterEvent[];
    error?: Error;
    loading: boolean;
  }>({ loading: true });
  const request = useRef(0);
  const selector = detail ? podSelector(detail) : undefined;
  const cluster = workspace.notApplied ? undefined : workspace.cluster;
  const deploymentName = detail?.manifests.find(m => m.kind === 'Deployment')
    ?.metadata.name;
  const since = detail?.createdAt;

  let unavailable: string | undefined;
  if (!cluster) {
    unavailable = `${workspace.name} has no cluster: its versions are recorded, not applied.`;
  } else if (!kubernetesApi || !proxyApi) {
    unavailable =
      'This app has no Kubernetes plugin: add @backstage/plugin-kubernetes to see pods, events and logs.';
  }

  const load = useCallback(async () => {
    if (!cluster || !kubernetesApi || !proxyApi || !selector) {
      return;
    }
    const id = ++request.current;
    try {
      const response = await kubernetesApi.proxy({
        clusterName: cluster,
        path: `/api/v1/namespaces/${encodeURIComponent(
          workspace.namespace,
        )}/pods?labelSelector=${encodeURIComponent(selector)}`,
      });
      if (!response.ok) {
        throw await failure(response);
      }
      const pods = ((await response.json()).items ?? []).map(toPod);
      const names = [
        ...(deploymentName ? [deploymentName] : []),
        ...pods.map((pod: VersionPod) => pod.name),
      ];
      const events = (
        await Promise.all(
          names.slice(0, 11).map(name =>
            proxyApi
              .getEventsByInvolvedObjectName({
                clusterName: cluster,
                involvedObjectName: name,
                namespace: workspace.namespace,
              })
              .catch(() => []),
          ),
        )
      )
        .flat()
        .map(toEvent)
        // The Deployment outlives versions: only its events since this one was created.
        .filter(
          event =>
            !event.object.startsWith('Deployment/') ||
            !since ||
            // Events carry whole seconds: a second of slack.
            Date.parse(event.at ?? '') >= Date.parse(since) - 1000,
        )
        .sort((a, b) => (b.at ?? '').localeCompare(a.at ?? ''));
      if (id === request.current) {
        setState({ pods, events, loading: false });
      }
    } catch (error) {
      if (id === request.current) {
        setState(previous => ({
          ...previous,
          error: error as Error,
          loading: false,
        }));
      }
    }
  }, [
    cluster,
    kubernetesApi,
    proxyApi,
    selector,
    workspace.namespace,
    deploymentName,
    since,
  ]);

  useEffect(() => {
    load();
  }, [load]);

  useEffect(() => {
    if (!options.poll) {
      return undefined;
    }
    const timer = setInterval(load, PODS_POLL_MS);
    return () => clearInterval(timer);
  }, [options.poll, load]);

  const logsOf = useCallback(
    async (pod: string, container: string) => {
      if (!cluster || !proxyApi) {
        throw new Error(unavailable);
      }
      const { text } = await proxyApi.getPodLogs({
        podName: pod,
        namespace: workspace.namespace,
        clusterName: cluster,
        containerName: container,
      });
      return text;
    },
    [cluster, proxyApi, workspace.namespace, unavailable],
  );

  return { ...state, unavailable, reload: load, logsOf };
}
