import {
  AuditorService,
  BackstageCredentials,
  BackstageServicePrincipal,
  BackstageUserPrincipal,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { JsonObject } from '@backstage/types';
import { AuthorizeResult, ResourcePermission } from '@backstage/plugin-permission-common';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  diffSpecs,
  entityRefFromPath,
  LiveState,
  PromotionInputs,
  readShipyardAnnotations,
  renderManifests,
  ServiceWorkspaceState,
  shipyardLeaseReleasePermission,
  shipyardPromotionExecutePermission,
  shipyardProtectedWorkspacePermission,
  shipyardVersionDeployPermission,
  shipyardVersionReadPermission,
  shipyardVersionRollbackPermission,
  checkSpecForWorkspace,
  specWarnings,
  Version,
  VersionAddress,
  Workspace,
} from '@shipyard/backstage-plugin-common';
import { stringifyEntityRef } from '@backstage/catalog-model';
import express, { Request } from 'express';
import { ClusterGateway } from '../cluster/ClusterGateway';
import { WorkspaceRegistry } from '../config/WorkspaceRegistry';
import { VersionStore } from '../database/VersionStore';
import { PromotionOperations, ServiceContext } from '../operations/PromotionOperations';
import { VersionOperations } from '../operations/VersionOperations';
import { shipyardOpenApiDocument } from './openapi';
import { createValidatedRouter } from './validation';
import { databaseUnavailableHandler } from './databaseErrors';

/** Everything the router needs. @public */
export interface RouterOptions {
  logger: LoggerService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  catalog: CatalogService;
  store: VersionStore;
  workspaces: WorkspaceRegistry;
  versions: VersionOperations;
  promotions: PromotionOperations;
  gateway?: ClusterGateway;
}

const DEFAULT_PAGE_SIZE = 50;

interface ResolvedService extends ServiceContext {
  workspaces?: string[];
}

function parseAddress(field: string, value: string): VersionAddress {
  const match = /^([a-z0-9-]{1,63}):([0-9]{1,10})$/.exec(value);
  const version = match ? Number(match[2]) : NaN;
  if (!match || !Number.isSafeInteger(version) || version < 1) {
    throw new InputError(`${field}: expected <workspace>:<version>, e.g. dev:3, got '${value}'`);
  }
  // Version numbers are int32 in the database; PostgreSQL refuses a larger one with a 500.
  if (version > 2147483647) {
    throw new InputError(`${field}: the version must be at most 2147483647, got '${value}'`);
  }
  return { workspace: match[1], version };
}

/** Builds the /api/shipyard router. @public */
export async function createRouter(options: RouterOptions): Promise<express.Router> {
  const { httpAuth, permissions, auditor, catalog, store, workspaces, versions, promotions, gateway } =
    options;

  const router = createValidatedRouter(shipyardOpenApiDocument);

  async function resolveService(req: Request, credentials: BackstageCredentials): Promise<ResolvedService> {
    const requested = entityRefFromPath(req.params.kind, req.params.namespace, req.params.name);
    const entity = await catalog.getEntityByRef(requested, { credentials });
    if (!entity) {
      throw new NotFoundError(`service: no catalog entity ${requested}`);
    }
    const annotations = readShipyardAnnotations(entity);
    return {
      // The catalog matches refs case-insensitively; keying everything on
      // the ref as the catalog spells it gives one history per service
      // however a caller spells its path.
      entityRef: stringifyEntityRef(entity),
      name: annotations.serviceName,
      rules: annotations.rules,
      workspaces: annotations.workspaces,
    };
  }

  function workspaceOf(service: ResolvedService, name: string, field = 'workspace'): Workspace {
    const workspace = workspaces.get(name);
    if (service.workspaces && !service.workspaces.includes(name)) {
      throw new InputError(
        `${field}: '${name}' is not one of ${service.entityRef}'s workspaces (shipyard/workspaces: ${service.workspaces.join(', ')})`,
      );
    }
    return workspace;
  }

  /** The operation's permission, and for a protected workspace also the protected-workspace one. */
  async function authorize(
    permission: ResourcePermission<'catalog-entity'>,
    entityRef: string,
    credentials: BackstageCredentials,
    workspace?: Workspace,
  ) {
    const wanted = workspace?.protected ? [permission, shipyardProtectedWorkspacePermission] : [permission];
    const decisions = await permissions.authorize(
      wanted.map(p => ({ permission: p, resourceRef: entityRef })),
      { credentials },
    );
    const denied = wanted.find((_, i) => decisions[i].result !== AuthorizeResult.ALLOW);
    if (denied) {
      throw new NotAllowedError(
        `${denied.name} is not allowed on ${entityRef}${workspace && denied !== permission ? ` (workspace '${workspace.name}' is protected)` : ''}`,
      );
    }
  }

  function actorOf(
    credentials: BackstageCredentials<BackstageUserPrincipal | BackstageServicePrincipal>,
  ): string {
    const principal = credentials.principal;
    return principal.type === 'user' ? principal.userEntityRef : `service:${principal.subject}`;
  }

  /** Runs a mutation inside an audit event; the event never carries a spec, so no value leaks into it. */
  async function audited<T>(
    req: Request,
    eventId: string,
    meta: JsonObject,
    run: () => Promise<T>,
    resultMeta: (result: T) => JsonObject,
  ): Promise<T> {
    const event = await auditor.createEvent({ eventId, severityLevel: 'medium', request: req, meta });
    try {
      const result = await run();
      await event.success({ meta: resultMeta(result) });
      return result;
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  }

  const versionMeta = (v: Version): JsonObject => ({
    version: v.number,
    status: v.status,
    specHash: v.specHash,
    origin: v.origin as unknown as JsonObject,
  });
  const wantsWait = (req: Request) => String(req.query.wait) === 'true';

  async function readContext(req: Request) {
    const credentials = await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const service = await resolveService(req, credentials);
    await authorize(shipyardVersionReadPermission, service.entityRef, credentials);
    return { credentials, service };
  }

  router.get('/workspaces', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    res.json({ items: workspaces.list() });
  });

  router.get('/services/:kind/:namespace/:name/workspaces', async (req, res) => {
    const { service } = await readContext(req);
    const names = service.workspaces ?? workspaces.list().map(w => w.name);
    const states = new Map((await store.getWorkspaceStates(service.entityRef)).map(s => [s.workspace, s]));
    const items: ServiceWorkspaceState[] = await Promise.all(
      names.map(async name => {
        const workspace = workspaces.get(name);
        const state = states.get(name);
        const item: ServiceWorkspaceState = { workspace, versionCount: 0 };
        if (!state) return item;
        // Usually the latest version is the current one: read it once then.
        const current = state.currentNumber
          ? await store.getVersion(service.entityRef, name, state.currentNumber)
          : undefined;
        const latest =
          state.latestNumber && state.latestNumber !== state.currentNumber
            ? await store.getVersion(service.entityRef, name, state.latestNumber)
            : current;
        if (current) item.currentVersion = current;
        if (latest) item.latestVersion = latest;
        item.versionCount = state.versionCount;
        if (state.drift) item.drift = state.drift;
        if (state.lease) item.lease = state.lease;
        return item;
      }),
    );
    res.json({ service: service.entityRef, items });
  });

  router.get('/services/:kind/:namespace/:name/workspaces/:workspace/versions', async (req, res) => {
    const { service } = await readContext(req);
    const workspace = workspaceOf(service, req.params.workspace);
    const limit = req.query.limit === undefined ? DEFAULT_PAGE_SIZE : Number(req.query.limit);
    const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
    res.json(await store.listVersions(service.entityRef, workspace.name, { limit, cursor }));
  });

  router.get('/services/:kind/:namespace/:name/workspaces/:workspace/versions/:version', async (req, res) => {
    const { service } = await readContext(req);
    const workspace = workspaceOf(service, req.params.workspace);
    const number = Number(req.params.version);
    const version = await store.getVersion(service.entityRef, workspace.name, number);
    if (!version) {
      throw new NotFoundError(`version: ${service.entityRef} has no v${number} in ${workspace.name}`);
    }
    const manifests = renderManifests({
      entityRef: service.entityRef,
      name: service.name,
      workspace,
      version: number,
      spec: version.spec,
    });
    res.json({ ...version, manifests });
  });

  router.post('/services/:kind/:namespace/:name/workspaces/:workspace/versions', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const service = await resolveService(req, credentials);
    const workspace = workspaceOf(service, req.params.workspace);
    const spec = checkSpecForWorkspace(req.body.spec, workspace);
    await authorize(shipyardVersionDeployPermission, service.entityRef, credentials, workspace);
    const createdBy = actorOf(credentials);
    const originType = req.body.origin ?? 'deploy';
    const version = await audited(
      req,
      'version-deploy',
      {
        service: service.entityRef,
        workspace: workspace.name,
        origin: originType,
        message: req.body.message ?? null,
        adopt: req.body.adopt === true,
      },
      () =>
        versions.createAndApply(
          { entityRef: service.entityRef, name: service.name, workspace },
          {
            spec,
            origin: { type: originType },
            createdBy,
            message: req.body.message,
            expectedCurrentVersion: req.body.expectedCurrentVersion,
            adopt: req.body.adopt === true,
          },
          { wait: wantsWait(req) },
        ),
      versionMeta,
    );
    // Deployed all the same: e.g. a literal value in an env var named like a secret.
    const warnings = specWarnings(spec);
    res.status(201).json(warnings.length ? { ...version, warnings } : version);
  });

  async function versionToRollBackTo(req: Request, service: ResolvedService, workspace: Workspace) {
    const number = Number(req.params.version);
    const version = await store.getVersion(service.entityRef, workspace.name, number);
    if (!version) {
      throw new NotFoundError(`version: ${service.entityRef} has no v${number} in ${workspace.name}`);
    }
    return version;
  }

  router.get(
    '/services/:kind/:namespace/:name/workspaces/:workspace/versions/:version/rollback-plan',
    async (req, res) => {
      const { service } = await readContext(req);
      const workspace = workspaceOf(service, req.params.workspace);
      const to = await versionToRollBackTo(req, service, workspace);
      res.json(await promotions.planRollback(service, workspace, to));
    },
  );

  router.post('/services/:kind/:namespace/:name/workspaces/:workspace/versions/:version/rollback', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const service = await resolveService(req, credentials);
    const workspace = workspaceOf(service, req.params.workspace);
    await authorize(shipyardVersionRollbackPermission, service.entityRef, credentials, workspace);
    const to = await versionToRollBackTo(req, service, workspace);
    const createdBy = actorOf(credentials);
    const reason: string | undefined = req.body?.reason;
    const version = await audited(
      req,
      'version-rollback',
      { service: service.entityRef, workspace: workspace.name, rollbackTo: to.number, reason: reason ?? null },
      () =>
        versions.createAndApply(
          { entityRef: service.entityRef, name: service.name, workspace },
          {
            spec: to.spec,
            origin: { type: 'rollback', version: to.number },
            createdBy,
            message: reason,
            expectedCurrentVersion: req.body?.expectedCurrentVersion,
          },
          { wait: wantsWait(req) },
        ),
      versionMeta,
    );
    res.status(201).json(version);
  });

  router.get('/services/:kind/:namespace/:name/diff', async (req, res) => {
    const { service } = await readContext(req);
    const from = parseAddress('from', String(req.query.from));
    const to = parseAddress('to', String(req.query.to));
    const [a, b] = await Promise.all(
      [from, to].map(async (address, i) => {
        const ws = workspaceOf(service, address.workspace, i === 0 ? 'from' : 'to');
        const version = await store.getVersion(service.entityRef, ws.name, address.version);
        if (!version) {
          throw new NotFoundError(
            `${i === 0 ? 'from' : 'to'}: ${service.entityRef} has no v${address.version} in ${ws.name}`,
          );
        }
        return version;
      }),
    );
    res.json({ from, to, changes: diffSpecs(a.spec, b.spec) });
  });

  function promotionWorkspaces(service: ResolvedService, body: { source: string; target: string }) {
    const source = workspaceOf(service, body.source, 'source');
    const target = workspaceOf(service, body.target, 'target');
    return { source, target };
  }

  router.post('/services/:kind/:namespace/:name/promotions/plan', async (req, res) => {
    const { service } = await readContext(req);
    const { source, target } = promotionWorkspaces(service, req.body);
    const { plan } = await promotions.plan(service, source, target, { sourceVersion: req.body.sourceVersion });
    res.json(plan);
  });

  router.post('/services/:kind/:namespace/:name/promotions', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const service = await resolveService(req, credentials);
    const { source, target } = promotionWorkspaces(service, req.body);
    await authorize(shipyardPromotionExecutePermission, service.entityRef, credentials, target);
    const createdBy = actorOf(credentials);
    const inputs: PromotionInputs | undefined = req.body.inputs;
    const { version } = await audited(
      req,
      'promotion-execute',
      {
        service: service.entityRef,
        source: source.name,
        target: target.name,
        planHash: req.body.planHash,
        protectedTarget: target.protected,
        // Only the names of given inputs: their values may be secrets.
        inputKeys: Object.keys(inputs?.env ?? {}),
        reason: req.body.reason ?? null,
      },
      () =>
        promotions.execute(service, source, target, {
          planHash: req.body.planHash,
          sourceVersion: req.body.sourceVersion,
          inputs,
          reason: req.body.reason,
          createdBy,
          wait: wantsWait(req),
        }),
      result => versionMeta(result.version),
    );
    res.status(201).json(version);
  });

  router.get('/services/:kind/:namespace/:name/workspaces/:workspace/live', async (req, res) => {
    const { service } = await readContext(req);
    const workspace = workspaceOf(service, req.params.workspace);
    const current = await store.getCurrentVersion(service.entityRef, workspace.name);
    const live: LiveState = { workspace: workspace.name, currentVersion: current?.number, objects: [] };
    if (!gateway || !workspace.cluster) {
      res.json({ ...live, message: `Workspace '${workspace.name}' has no cluster configured` });
      return;
    }
    const expected = current
      ? renderManifests({
          entityRef: service.entityRef,
          name: service.name,
          workspace,
          version: current.number,
          spec: current.spec,
        })
      : [];
    const observed = await gateway.getLive(
      { cluster: workspace.cluster, namespace: workspace.namespace, name: service.name },
      expected,
    );
    // Read-only: drift is stored by the refresh task, so reading a page never
    // changes what a promotion plan was computed from.
    res.json({ ...live, ...observed });
  });

  router.delete('/services/:kind/:namespace/:name/workspaces/:workspace/lease', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const service = await resolveService(req, credentials);
    const workspace = workspaceOf(service, req.params.workspace);
    await authorize(shipyardLeaseReleasePermission, service.entityRef, credentials, workspace);
    const released = await audited(
      req,
      'lease-force-release',
      { service: service.entityRef, workspace: workspace.name },
      () => store.releaseLease(service.entityRef, workspace.name),
      lease => ({ released: lease ? (lease as unknown as JsonObject) : null }),
    );
    if (!released) {
      throw new NotFoundError(`lease: ${service.entityRef} in ${workspace.name} holds no lease`);
    }
    res.json({ released });
  });

  router.use((req, _res, next) => {
    next(new NotFoundError(`path: no Shipyard route ${req.method} ${req.path}; see /api/shipyard/openapi.json`));
  });
  router.use(databaseUnavailableHandler());

  return router;
}
