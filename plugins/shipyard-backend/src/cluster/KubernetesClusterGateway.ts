import { AuthService, DiscoveryService, LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import {
  ENTITY_REF_HASH_LABEL,
  entityRefLabelValue,
  KubernetesObject,
  MANAGED_KINDS,
  ManagedKind,
  SHIPYARD_MANAGED_BY,
} from '@shipyard/backstage-plugin-common';
import {
  ApplyOptions,
  ClusterGateway,
  ClusterOperationError,
  ManagedObjectEvent,
  ManagedObjectList,
  NamespaceTarget,
  ObjectKeyReference,
  ReadinessNeeds,
  ReadinessProblem,
  RolloutObservation,
  WatchExpiredError,
  WorkloadTarget,
} from './ClusterGateway';
import { detectDrift } from './detectDrift';
import { targetReadiness } from './targetReadiness';
import { observeRollout, rolloutStatus } from './rolloutStatus';

/** The field manager of every server-side apply Shipyard makes. @public */
export const SHIPYARD_FIELD_MANAGER = 'shipyard';

/**
 * The field manager that keeps `spec.replicas` when a service switches from
 * `replicas` to `autoscaling`: without a second owner, server-side apply
 * would reset the field and drop the running pods to one.
 */
const REPLICAS_HANDOFF_MANAGER = 'shipyard-replicas-handoff';
const ENTITY_REF_ANNOTATION = 'shipyard/entity-ref';

type LiveObjects = Map<string, KubernetesObject & { metadata: { uid?: string; managedFields?: any[] } }>;

/** Why Shipyard may not write over `object` for `options.entityRef`, or undefined when it may. */
function ownershipProblem(object: KubernetesObject, options: ApplyOptions): string | undefined {
  const where = `${object.kind} ${object.metadata.namespace}/${object.metadata.name}`;
  if (object.metadata.labels?.['app.kubernetes.io/managed-by'] !== SHIPYARD_MANAGED_BY) {
    return options.adopt
      ? undefined
      : `${where} exists and was not created by Shipyard; Shipyard never takes it over silently (deploy with adopt: true to take it over)`;
  }
  const owner = object.metadata.annotations?.[ENTITY_REF_ANNOTATION];
  if (owner !== options.entityRef) {
    return `${where} belongs to ${owner ?? 'an unknown entity'}; ${options.entityRef} cannot deploy over it`;
  }
  return undefined;
}

/** True when Shipyard's apply owns the Deployment's `spec.replicas`. */
function shipyardOwnsReplicas(deployment: { metadata: { managedFields?: any[] } } | undefined): boolean {
  return (deployment?.metadata.managedFields ?? []).some(
    f => f.manager === SHIPYARD_FIELD_MANAGER && f.operation === 'Apply' && f.fieldsV1?.['f:spec']?.['f:replicas'],
  );
}

const REQUEST_TIMEOUT_MS = 15_000;
/**
 * How long the cluster keeps a watch open before it ends it and Shipyard
 * watches again from where it was. Short, because it is also how a dead
 * connection is noticed: when the API server goes away, the Kubernetes
 * plugin's proxy keeps the client's response open without ever ending it.
 */
const DEFAULT_WATCH_SECONDS = 60;
/** A watch the cluster did not end this long after its timeout is a dead connection. */
const WATCH_GRACE_MS = 10_000;
const MANAGED_SELECTOR = encodeURIComponent(`app.kubernetes.io/managed-by=${SHIPYARD_MANAGED_BY}`);

function objectPath(kind: ManagedKind, namespace: string, name?: string): string {
  const base = kind.apiVersion.includes('/') ? `/apis/${kind.apiVersion}` : `/api/${kind.apiVersion}`;
  return `${base}/namespaces/${encodeURIComponent(namespace)}/${kind.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

/**
 * Kinds Shipyard renders since issue 9 (Ingress, HTTPRoute,
 * PodDisruptionBudget). A credential made for the first kinds may lack
 * rights on them, and a cluster may not serve a CRD kind; either way none of
 * the service's objects of that kind can exist, so they read as absent
 * instead of failing every deploy after an upgrade.
 */
const ADDED_KINDS = new Set(['Ingress', 'HTTPRoute', 'PodDisruptionBudget']);

function unreadable(kind: ManagedKind): { allow404: boolean; allow403: boolean } {
  const added = ADDED_KINDS.has(kind.kind);
  return { allow404: Boolean(kind.optional), allow403: added };
}

function reasonOf(status: number): ClusterOperationError['reason'] {
  if (status === 401 || status === 403) return 'forbidden';
  if (status === 400 || status === 409 || status === 422) return 'invalid';
  if (status >= 500) return 'unreachable';
  return 'failed';
}

function kindOf(object: KubernetesObject): ManagedKind {
  const kind = MANAGED_KINDS.find(k => k.kind === object.kind && k.apiVersion === object.apiVersion);
  if (!kind) throw new Error(`Shipyard does not manage ${object.apiVersion} ${object.kind}`);
  return kind;
}

/**
 * Talks to clusters through the Kubernetes plugin's proxy
 * (`/api/kubernetes/proxy`, header `Backstage-Kubernetes-Cluster`), so the
 * clusters, credentials and auth strategies configured for the Kubernetes
 * plugin are the only cluster configuration. Requests carry Shipyard's own
 * service token; the proxy adds the cluster's credentials.
 * @public
 */
export class KubernetesClusterGateway implements ClusterGateway {
  constructor(
    private readonly deps: {
      discovery: DiscoveryService;
      auth: AuthService;
      logger: LoggerService;
      fetch?: typeof fetch;
      /** The `timeoutSeconds` of each watch (default 60). */
      watchSeconds?: number;
    },
  ) {}

  /** The proxy's URL for `path` and the headers every call carries. */
  private async proxied(cluster: string, path: string) {
    const baseUrl = await this.deps.discovery.getBaseUrl('kubernetes');
    const { token } = await this.deps.auth.getPluginRequestToken({
      onBehalfOf: await this.deps.auth.getOwnServiceCredentials(),
      targetPluginId: 'kubernetes',
    });
    return {
      url: `${baseUrl}/proxy${path}`,
      headers: {
        Authorization: `Bearer ${token}`,
        'Backstage-Kubernetes-Cluster': cluster,
        Accept: 'application/json',
      } as Record<string, string>,
    };
  }

  private async request(
    cluster: string,
    method: string,
    path: string,
    options: { body?: unknown; contentType?: string; allow404?: boolean; allow403?: boolean } = {},
  ): Promise<any> {
    const { url, headers } = await this.proxied(cluster, path);
    const doFetch = this.deps.fetch ?? fetch;
    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        headers: {
          ...headers,
          ...(options.body !== undefined ? { 'Content-Type': options.contentType ?? 'application/json' } : {}),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new ClusterOperationError(
        `cluster '${cluster}' is unreachable: ${error instanceof Error ? error.message : error}`,
        'unreachable',
      );
    }
    if ((response.status === 404 && options.allow404) || (response.status === 403 && options.allow403)) return undefined;
    const text = await response.text();
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      throw KubernetesClusterGateway.refusal(cluster, method, path, response, text);
    }
    return body;
  }

  private static refusal(cluster: string, method: string, path: string, response: Response, text: string) {
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    // A Kubernetes Status carries the API server's own message; a
    // Backstage error body means the proxy itself refused.
    const message =
      (body?.kind === 'Status' && body.message) || body?.error?.message || text.slice(0, 500) || response.statusText;
    return new ClusterOperationError(
      `${method} ${path} on cluster '${cluster}' answered ${response.status}: ${message}`,
      reasonOf(response.status),
    );
  }

  private apply1(cluster: string, object: KubernetesObject, dryRun: boolean) {
    const kind = kindOf(object);
    const query = `fieldManager=${SHIPYARD_FIELD_MANAGER}&force=true${dryRun ? '&dryRun=All' : ''}`;
    return this.request(
      cluster,
      'PATCH',
      `${objectPath(kind, object.metadata.namespace!, object.metadata.name)}?${query}`,
      // JSON is YAML, and the apply content type is what makes it a server-side apply.
      { body: object, contentType: 'application/apply-patch+yaml' },
    );
  }

  /**
   * Every object of the workload's name, whoever created it: a list by
   * field selector, so an absent object is an empty answer and not a 404
   * that the Kubernetes plugin's proxy audits as a failure.
   */
  private async readByName(target: WorkloadTarget, renders: Set<string> = new Set()): Promise<LiveObjects> {
    const selector = encodeURIComponent(`metadata.name=${target.name}`);
    const live: LiveObjects = new Map();
    await Promise.all(
      MANAGED_KINDS.map(async kind => {
        const list = await this.request(target.cluster, 'GET', `${objectPath(kind, target.namespace)}?fieldSelector=${selector}`, {
          ...unreadable(kind),
          // A credential without rights on a kind never created one; it
          // matters only when this apply renders the kind.
          allow403: unreadable(kind).allow403 && !renders.has(kind.kind),
        });
        const object = (list?.items ?? [])[0];
        if (object) live.set(kind.kind, { ...object, apiVersion: kind.apiVersion, kind: kind.kind });
      }),
    );
    return live;
  }

  private static assertOwned(live: LiveObjects, options: ApplyOptions) {
    const problems = [...live.values()].flatMap(o => ownershipProblem(o, options) ?? []);
    if (problems.length > 0) {
      throw new ConflictError(`${problems.join('; ')}. Nothing was applied.`);
    }
  }

  async assertOwnership(target: WorkloadTarget, options: ApplyOptions): Promise<void> {
    KubernetesClusterGateway.assertOwned(await this.readByName(target), options);
  }

  async apply(target: WorkloadTarget, manifests: KubernetesObject[], options: ApplyOptions): Promise<void> {
    const live = await this.readByName(target, new Set(manifests.map(m => m.kind)));
    KubernetesClusterGateway.assertOwned(live, options);
    // Dry-run everything first, so an admission rejection of the last object
    // fails the version before the first one changed anything.
    for (const object of manifests) {
      await this.apply1(target.cluster, object, true);
    }
    const deployment = manifests.find(m => m.kind === 'Deployment');
    const liveDeployment = live.get('Deployment');
    if (deployment && (deployment.spec as any)?.replicas === undefined && shipyardOwnsReplicas(liveDeployment)) {
      await this.request(
        target.cluster,
        'PATCH',
        `${objectPath(MANAGED_KINDS[0], target.namespace, target.name)}?fieldManager=${REPLICAS_HANDOFF_MANAGER}&force=true`,
        {
          body: {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: target.name, namespace: target.namespace },
            spec: { replicas: (liveDeployment as any).spec?.replicas ?? 1 },
          },
          contentType: 'application/apply-patch+yaml',
        },
      );
    }
    const applied: string[] = [];
    const partial = (error: unknown, what: string): never => {
      if (applied.length === 0) throw error;
      const cause = error instanceof Error ? error.message : String(error);
      throw new ClusterOperationError(
        `Partially applied: ${applied.join(', ')} applied, then ${what} failed: ${cause}`,
        error instanceof ClusterOperationError ? error.reason : 'failed',
        [...applied],
      );
    };
    for (const object of manifests) {
      try {
        await this.apply1(target.cluster, object, false);
      } catch (error) {
        partial(error, `${object.kind}/${object.metadata.name}`);
      }
      applied.push(`${object.kind}/${object.metadata.name}`);
    }
    const rendered = new Set(manifests.map(m => m.kind));
    const ownLabel = entityRefLabelValue(options.entityRef);
    for (const kind of MANAGED_KINDS) {
      const stale = live.get(kind.kind);
      // Only this entity's own objects are pruned: Shipyard's label, the
      // entity's label and annotation, and the very object that was checked.
      if (
        rendered.has(kind.kind) ||
        !stale ||
        stale.metadata.labels?.['app.kubernetes.io/managed-by'] !== SHIPYARD_MANAGED_BY ||
        stale.metadata.labels?.[ENTITY_REF_HASH_LABEL] !== ownLabel ||
        stale.metadata.annotations?.[ENTITY_REF_ANNOTATION] !== options.entityRef
      ) {
        continue;
      }
      try {
        await this.request(target.cluster, 'DELETE', objectPath(kind, target.namespace, target.name), {
          body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: stale.metadata.uid } },
          allow404: true,
        });
      } catch (error) {
        partial(error, `pruning ${kind.kind}/${target.name}`);
      }
      this.deps.logger.info(`Pruned ${kind.kind} ${target.namespace}/${target.name} on ${target.cluster}`);
    }
  }

  /**
   * The workload's object of one kind, if Shipyard manages it. A labelled
   * list rather than a GET by name, so an absent object is an empty answer
   * and not a 404 that the Kubernetes plugin's proxy audits as a failure.
   */
  private async getManaged(target: WorkloadTarget, kind: ManagedKind): Promise<KubernetesObject | undefined> {
    const selector = encodeURIComponent(
      `app.kubernetes.io/managed-by=${SHIPYARD_MANAGED_BY},app.kubernetes.io/name=${target.name}`,
    );
    const list = await this.request(
      target.cluster,
      'GET',
      `${objectPath(kind, target.namespace)}?labelSelector=${selector}`,
      unreadable(kind),
    );
    return (list?.items ?? []).find((o: KubernetesObject) => o.metadata.name === target.name);
  }

  async getRollout(target: WorkloadTarget): Promise<RolloutObservation> {
    const deployment = await this.request(
      target.cluster,
      'GET',
      objectPath(MANAGED_KINDS[0], target.namespace, target.name),
      { allow404: true },
    );
    return observeRollout(deployment, target);
  }

  async getLive(target: WorkloadTarget, expected: KubernetesObject[]) {
    const live = new Map<string, KubernetesObject | undefined>();
    await Promise.all(
      MANAGED_KINDS.map(async kind => {
        live.set(kind.kind, await this.getManaged(target, kind));
      }),
    );
    const deployment = live.get('Deployment');
    const rollout = deployment ? rolloutStatus(deployment as any) : undefined;
    const expectedKinds = new Set(expected.map(o => o.kind));
    const shown = MANAGED_KINDS.filter(kind => !ADDED_KINDS.has(kind.kind) || expectedKinds.has(kind.kind) || live.get(kind.kind));
    const objects = shown.map(kind => {
      const object = live.get(kind.kind);
      const entry: { kind: string; name: string; exists: boolean; ready?: boolean; message?: string } = {
        kind: kind.kind,
        name: target.name,
        exists: Boolean(object),
      };
      if (kind.kind === 'Deployment' && rollout) {
        entry.ready = rollout.state === 'succeeded';
        entry.message = rollout.message;
      }
      return entry;
    });
    return {
      objects,
      rollout: rollout?.progress,
      drift: detectDrift(expected, live),
    };
  }

  async checkReadiness(target: NamespaceTarget, needs: ReadinessNeeds): Promise<ReadinessProblem[]> {
    return targetReadiness((cluster, method, path, options) => this.request(cluster, method, path, options), target, needs);
  }

  async findMissingReferences(target: Omit<WorkloadTarget, 'name'>, references: ObjectKeyReference[]) {
    const keysByObject = new Map<string, Promise<Set<string> | undefined>>();
    const keysOf = (ref: ObjectKeyReference) => {
      const id = `${ref.kind}/${ref.name}`;
      if (!keysByObject.has(id)) {
        const plural = { Secret: 'secrets', ConfigMap: 'configmaps', PersistentVolumeClaim: 'persistentvolumeclaims' }[ref.kind];
        keysByObject.set(
          id,
          this.request(
            target.cluster,
            'GET',
            `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/${plural}/${encodeURIComponent(ref.name)}`,
            { allow404: true },
          ).then(object =>
            // Only the key names are kept; values are dropped here and never leave this function.
            object ? new Set<string>([...Object.keys(object.data ?? {}), ...Object.keys(object.binaryData ?? {})]) : undefined,
          ),
        );
      }
      return keysByObject.get(id)!;
    };
    const missing: Array<ObjectKeyReference & { problem: string }> = [];
    for (const ref of references) {
      const keys = await keysOf(ref);
      if (!keys) missing.push({ ...ref, problem: `${ref.kind} ${ref.name} does not exist` });
      else if (ref.key !== undefined && !keys.has(ref.key)) missing.push({ ...ref, problem: `${ref.kind} ${ref.name} has no key '${ref.key}'` });
    }
    return missing;
  }

  async listManaged(target: NamespaceTarget, kind: ManagedKind): Promise<ManagedObjectList> {
    const list = await this.request(target.cluster, 'GET', `${objectPath(kind, target.namespace)}?labelSelector=${MANAGED_SELECTOR}`, {
      // A kind the cluster does not serve (a CRD not installed), or an added
      // kind the credential has no rights on (see unreadable), has none of
      // Shipyard's objects: an empty list, looked at again later.
      ...unreadable(kind),
      allow404: true,
    });
    return {
      // A list's items carry neither kind nor apiVersion.
      items: (list?.items ?? []).map((o: KubernetesObject) => ({ ...o, apiVersion: kind.apiVersion, kind: kind.kind })),
      resourceVersion: String(list?.metadata?.resourceVersion ?? ''),
    };
  }

  async *watchManaged(
    target: NamespaceTarget & { name?: string },
    kind: ManagedKind,
    resourceVersion: string,
    signal: AbortSignal,
  ): AsyncIterable<ManagedObjectEvent> {
    const watchSeconds = this.deps.watchSeconds ?? DEFAULT_WATCH_SECONDS;
    // Spread out, so the watches of many namespaces do not all end at once.
    const seconds = Math.max(1, Math.round(watchSeconds * (0.8 + Math.random() * 0.2)));
    const one = target.name ? `&fieldSelector=${encodeURIComponent(`metadata.name=${target.name}`)}` : '';
    const path = `${objectPath(kind, target.namespace)}?watch=1&allowWatchBookmarks=true&labelSelector=${MANAGED_SELECTOR}${one}&resourceVersion=${encodeURIComponent(resourceVersion)}&timeoutSeconds=${seconds}`;
    const { url, headers } = await this.proxied(target.cluster, path);
    const silence = new AbortController();
    const timer = setTimeout(() => silence.abort(), seconds * 1000 + WATCH_GRACE_MS);
    const doFetch = this.deps.fetch ?? fetch;
    try {
      let response: Response;
      try {
        response = await doFetch(url, {
          // The backend's compression middleware holds a gzip stream back
          // until it has a block to send: a watch event would wait for the
          // next few kilobytes of events. Uncompressed, it streams at once.
          headers: { ...headers, 'Accept-Encoding': 'identity' },
          signal: AbortSignal.any([signal, silence.signal]),
        });
      } catch (error) {
        throw new ClusterOperationError(
          `cluster '${target.cluster}' is unreachable: ${error instanceof Error ? error.message : error}`,
          'unreachable',
        );
      }
      if (response.status === 410) {
        await response.text().catch(() => '');
        throw new WatchExpiredError(`${kind.kind} watch in ${target.cluster}/${target.namespace} from ${resourceVersion}: 410 Gone`);
      }
      if (!response.ok || !response.body) {
        throw KubernetesClusterGateway.refusal(target.cluster, 'GET', path, response, await response.text());
      }
      const decoder = new TextDecoder();
      let buffered = '';
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          newline = buffered.indexOf('\n');
          if (!line) continue;
          const event = JSON.parse(line);
          if (event.type === 'ERROR') {
            const status = event.object ?? {};
            if (status.code === 410) {
              throw new WatchExpiredError(
                `${kind.kind} watch in ${target.cluster}/${target.namespace}: ${status.message ?? '410 Gone'}`,
              );
            }
            throw new ClusterOperationError(
              `${kind.kind} watch in ${target.cluster}/${target.namespace} failed: ${status.message ?? line.slice(0, 500)}`,
              reasonOf(status.code ?? 500),
            );
          }
          if (event.type === 'BOOKMARK') {
            yield { type: 'BOOKMARK', resourceVersion: String(event.object?.metadata?.resourceVersion ?? resourceVersion) };
          } else if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED') {
            yield { type: event.type, object: { ...event.object, apiVersion: kind.apiVersion, kind: kind.kind } };
          }
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      if (silence.signal.aborted) {
        throw new ClusterOperationError(
          `${kind.kind} watch in ${target.cluster}/${target.namespace} was not ended by the cluster ${WATCH_GRACE_MS / 1000}s after its ${seconds}s timeout: the connection is dead`,
          'unreachable',
        );
      }
      if (error instanceof WatchExpiredError || error instanceof ClusterOperationError) throw error;
      throw new ClusterOperationError(
        `${kind.kind} watch in ${target.cluster}/${target.namespace} broke: ${error instanceof Error ? error.message : error}`,
        'unreachable',
      );
    } finally {
      clearTimeout(timer);
    }
  }
}
