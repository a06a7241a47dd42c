import { HttpAuthService } from '@backstage/backend-plugin-api';
import { entityRefFromPath, PromotionRequestStatus } from '@shipyard/backstage-plugin-common';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { PromotionRequests } from '../promotion/PromotionRequests';

/**
 * The promotion request routes (DESIGN §11), mounted inside the validated
 * /api/shipyard router, so their requests are checked against the OpenAPI
 * document first.
 */
export function createPromotionRequestsRouter(options: {
  httpAuth: HttpAuthService;
  requests: PromotionRequests;
}): express.Router {
  const { httpAuth, requests } = options;
  const router = Router();
  const caller = async (req: Request) => ({
    credentials: await httpAuth.credentials(req, { allow: ['user', 'service'] }),
    request: req,
  });
  const listFilter = (req: Request) => ({
    status: typeof req.query.status === 'string' ? (req.query.status.split(',') as PromotionRequestStatus[]) : undefined,
    limit: req.query.limit === undefined ? undefined : Number(req.query.limit),
  });
  const SERVICE = '/services/:kind/:namespace/:name';

  router.post(`${SERVICE}/promotions/requests`, async (req, res) => {
    const { source, target, planHash, sourceVersion, take, inputs, reason } = req.body;
    const ref = entityRefFromPath(req.params.kind, req.params.namespace, req.params.name);
    const created = await requests.request(
      ref,
      { source, target, planHash, sourceVersion, take, inputs, reason },
      await caller(req),
    );
    res.status(201).json(created);
  });

  router.get(`${SERVICE}/promotions/requests`, async (req, res) => {
    const entityRef = entityRefFromPath(req.params.kind, req.params.namespace, req.params.name);
    res.json(await requests.list({ entityRef, ...listFilter(req) }, await caller(req)));
  });

  router.get('/promotion-requests', async (req, res) => {
    res.json(await requests.list(listFilter(req), await caller(req)));
  });

  router.get('/promotion-requests/:id', async (req, res) => {
    res.json(await requests.get(req.params.id, await caller(req)));
  });

  router.post('/promotion-requests/:id/approve', async (req, res) => {
    res.json(await requests.approve(req.params.id, { reason: req.body?.reason }, await caller(req)));
  });

  router.post('/promotion-requests/:id/decline', async (req, res) => {
    res.json(await requests.decline(req.params.id, { reason: req.body?.reason }, await caller(req)));
  });

  router.post('/promotion-requests/:id/execute', async (req, res) => {
    res.json(await requests.execute(req.params.id, await caller(req)));
  });

  return router;
}
