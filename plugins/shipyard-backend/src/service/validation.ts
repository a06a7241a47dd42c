import { InputError } from '@backstage/errors';
import express, { NextFunction, Request, Response } from 'express';
import Router from 'express-promise-router';
import * as OpenApiValidator from 'express-openapi-validator';

const BODY_LIMIT = '1mb';
const jsonBody = express.json({ limit: BODY_LIMIT });

/** express.json, with errors that say which part of the request is wrong. */
function parseJsonBody(req: Request, res: Response, next: NextFunction) {
  jsonBody(req, res, (error?: any) => {
    if (!error) {
      next();
    } else if (error.type === 'entity.too.large') {
      next(new InputError(`body: the request body is larger than the ${BODY_LIMIT} limit`));
    } else if (error.type === 'entity.parse.failed') {
      next(new InputError(`body: malformed JSON: ${error.message}`));
    } else {
      next(error);
    }
  });
}

/** `/body/spec/replicas` → `spec.replicas`; `/params/workspace` → `workspace`. */
function fieldOf(path: string): string {
  return path
    .replace(/^\.?\/?(body|query|params|path|headers)\/?/, '')
    .replace(/^\./, '')
    .replace(/\//g, '.') || 'body';
}

/**
 * Turns express-openapi-validator's errors into one InputError whose message
 * names every offending field, e.g. `force: must NOT have additional properties`.
 */
function validationErrors(error: any, _req: Request, _res: Response, next: NextFunction) {
  if (Array.isArray(error?.errors) && typeof error.status === 'number') {
    const details = error.errors
      .map((e: { path?: string; message: string }) => `${fieldOf(e.path ?? '')}: ${e.message}`)
      .join('; ');
    next(new InputError(details || error.message));
    return;
  }
  next(error);
}

/**
 * A router that parses JSON bodies and validates every documented request
 * against `document`, serving the document at `/openapi.json`.
 */
export function createValidatedRouter(document: object): express.Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.use(parseJsonBody);
  router.use(
    OpenApiValidator.middleware({
      apiSpec: document as any,
      validateRequests: { coerceTypes: false, allowUnknownQueryParameters: false },
      validateResponses: false,
      ignoreUndocumented: true,
      useRequestUrl: true,
    }),
  );
  router.use(validationErrors);
  return router;
}
