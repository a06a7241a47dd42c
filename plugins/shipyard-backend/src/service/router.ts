import { HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import { entityRefFromPath, VersionAddress } from '@shipyard/backstage-plugin-common';
import express, { Request } from 'express';
import { databaseUnavailableHandler } from './databaseErrors';
import { shipyardOpenApiDocument } from './openapi';
import { ShipyardService } from './ShipyardService';
import { createValidatedRouter } from './validation';
import { PromotionRequests } from '../promotion/PromotionRequests';
import { createPromotionRequestsRouter } from './promotionRequestsRouter';

/** Everything the router needs. @public */
export interface RouterOptions {
  httpAuth: HttpAuthService;
  service: ShipyardService;
  /** Serves the promotion request routes when given. */
  promotionRequests?: PromotionRequests;
}

const DEFAULT_PAGE_SIZE = 50;

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

/**
 * Builds the /api/shipyard router: credentials, a call to the
 * {@link ShipyardService}, the answer. Requests are validated against the
 * OpenAPI document first.
 * @public
 */
export async function createRouter(options: RouterOptions): Promise<express.Router> {
  const { httpAuth, service } = options;
  const router = createValidatedRouter(shipyardOpenApiDocument);

  const caller = async (req: Request) => ({
    credentials: await httpAuth.credentials(req, { allow: ['user', 'service'] }),
    request: req,
  });
  const refOf = (req: Request) => entityRefFromPath(req.params.kind, req.params.namespace, req.params.name);
  const wantsWait = (req: Request) => String(req.query.wait) === 'true';
  const SERVICE = '/services/:kind/:namespace/:name';
  const WORKSPACE = `${SERVICE}/workspaces/:workspace`;

  router.get('/workspaces', async (req, res) => {
    await caller(req);
    res.json({ items: service.listWorkspaces() });
  });

  router.get(`${SERVICE}/workspaces`, async (req, res) => {
    res.json(await service.getServiceWorkspaces(refOf(req), await caller(req)));
  });

  router.get(`${WORKSPACE}/versions`, async (req, res) => {
    const limit = req.query.limit === undefined ? DEFAULT_PAGE_SIZE : Number(req.query.limit);
    const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
    res.json(await service.listVersions(refOf(req), req.params.workspace, { limit, cursor }, await caller(req)));
  });

  router.get(`${WORKSPACE}/versions/:version`, async (req, res) => {
    res.json(await service.getVersion(refOf(req), req.params.workspace, Number(req.params.version), await caller(req)));
  });

  router.post(`${WORKSPACE}/versions`, async (req, res) => {
    const { spec, message, expectedCurrentVersion, origin, adopt, allowMissingReferences, freezeOverride } = req.body;
    const version = await service.deploy(
      refOf(req),
      req.params.workspace,
      { spec, message, expectedCurrentVersion, origin, adopt, allowMissingReferences, freezeOverride, wait: wantsWait(req) },
      await caller(req),
    );
    res.status(201).json(version);
  });

  router.post(`${WORKSPACE}/preflight`, async (req, res) => {
    res.json(await service.preflightDeploy(refOf(req), req.params.workspace, { spec: req.body.spec }, await caller(req)));
  });

  router.get(`${WORKSPACE}/versions/:version/rollback-plan`, async (req, res) => {
    res.json(
      await service.getRollbackPlan(refOf(req), req.params.workspace, Number(req.params.version), await caller(req)),
    );
  });

  router.post(`${WORKSPACE}/versions/:version/rollback`, async (req, res) => {
    const version = await service.rollback(
      refOf(req),
      req.params.workspace,
      Number(req.params.version),
      {
        reason: req.body?.reason,
        expectedCurrentVersion: req.body?.expectedCurrentVersion,
        reject: req.body?.reject,
        wait: wantsWait(req),
      },
      await caller(req),
    );
    res.status(201).json(version);
  });

  router.get(`${SERVICE}/diff`, async (req, res) => {
    const context = await caller(req);
    const from = parseAddress('from', String(req.query.from));
    const to = parseAddress('to', String(req.query.to));
    res.json(await service.diff(refOf(req), from, to, context));
  });

  router.post(`${SERVICE}/promotions/plan`, async (req, res) => {
    const { source, target, sourceVersion, take, inputs } = req.body;
    res.json(await service.planPromotion(refOf(req), { source, target, sourceVersion, take, inputs }, await caller(req)));
  });

  router.post(`${SERVICE}/promotions`, async (req, res) => {
    const { source, target, planHash, sourceVersion, take, inputs, reason, freezeOverride } = req.body;
    const version = await service.promote(
      refOf(req),
      { source, target, planHash, sourceVersion, take, inputs, reason, freezeOverride, wait: wantsWait(req) },
      await caller(req),
    );
    res.status(201).json(version);
  });

  router.post(`${WORKSPACE}/versions/:version/checklist/:item`, async (req, res) => {
    const version = Number(req.params.version);
    const item = Number(req.params.item);
    res.json(
      await service.updateChecklistItem(refOf(req), req.params.workspace, version, item, { done: req.body?.done }, await caller(req)),
    );
  });

  router.get(`${WORKSPACE}/live`, async (req, res) => {
    res.json(await service.getLive(refOf(req), req.params.workspace, await caller(req)));
  });

  // The promotion policy (DESIGN §11): rejections and holds.
  router.post(`${WORKSPACE}/versions/:version/reject`, async (req, res) => {
    const version = Number(req.params.version);
    res.json(await service.reject(refOf(req), req.params.workspace, version, { reason: req.body?.reason }, await caller(req)));
  });

  router.delete(`${WORKSPACE}/versions/:version/reject`, async (req, res) => {
    res.json(await service.unreject(refOf(req), req.params.workspace, Number(req.params.version), await caller(req)));
  });

  router.get(`${WORKSPACE}/hold`, async (req, res) => {
    res.json(await service.getHold(refOf(req), req.params.workspace, await caller(req)));
  });

  router.delete(`${WORKSPACE}/hold`, async (req, res) => {
    res.json({ lifted: await service.liftHold(refOf(req), req.params.workspace, await caller(req)) });
  });

  router.delete(`${WORKSPACE}/lease`, async (req, res) => {
    res.json({ released: await service.releaseLease(refOf(req), req.params.workspace, await caller(req)) });
  });

  if (options.promotionRequests) router.use(createPromotionRequestsRouter({ httpAuth, requests: options.promotionRequests }));

  router.use((req, _res, next) => {
    next(new NotFoundError(`path: no Shipyard route ${req.method} ${req.path}; see /api/shipyard/openapi.json`));
  });
  router.use(databaseUnavailableHandler());

  return router;
}
