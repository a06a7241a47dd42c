import { InputError } from '@backstage/errors';
import { unstorableTextError } from '@shipyard/backstage-plugin-common';
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

/** A key as it may appear in a message: control characters and lone surrogates escaped. */
function printable(key: string): string {
  return key.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    char => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * The first string of `value`, keys included, that cannot be stored as text
 * (NUL, an unpaired surrogate), with its field path under `root`. Walks
 * without recursion, so no nesting depth can overflow the stack.
 */
export function findUnstorableText(value: unknown, root = ''): { field: string; message: string } | undefined {
  const stack: Array<[unknown, string]> = [[value, root]];
  const join = (path: string, key: string) => (path ? `${path}.${printable(key)}` : printable(key));
  while (stack.length) {
    const [current, path] = stack.pop()!;
    if (typeof current === 'string') {
      const message = unstorableTextError(current);
      if (message) return { field: path || 'body', message };
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push([current[i], `${path}[${i}]`]);
    } else if (typeof current === 'object' && current !== null) {
      const keys = Object.keys(current);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i];
        const message = unstorableTextError(key);
        if (message) return { field: join(path, key), message: `name ${message}` };
        stack.push([(current as Record<string, unknown>)[key], join(path, key)]);
      }
    }
  }
  return undefined;
}

/** The name of each `{param}` segment of the document's path templates, matched against a request path. */
function pathParamNamer(document: { paths?: Record<string, unknown> }) {
  const templates = Object.keys(document.paths ?? {}).map(template => template.split('/'));
  return (segments: string[], index: number): string => {
    for (const template of templates) {
      if (
        template.length === segments.length &&
        template.every((part, i) => part.startsWith('{') || i === index || part === segments[i])
      ) {
        const part = template[index];
        return part.startsWith('{') ? part.slice(1, -1) : 'path';
      }
    }
    return 'path';
  };
}

/**
 * Refuses a request with text PostgreSQL cannot store anywhere in its path,
 * query or JSON body, or with a path that does not decode, with a 400
 * naming the field, before anything reads it.
 */
function rejectUnstorableText(document: { paths?: Record<string, unknown> }) {
  const paramName = pathParamNamer(document);
  return (req: Request, _res: Response, next: NextFunction) => {
    const segments = req.path.split('/');
    for (let i = 0; i < segments.length; i++) {
      let segment: string;
      try {
        segment = decodeURIComponent(segments[i]);
      } catch {
        next(new InputError(`${paramName(segments, i)}: malformed percent-encoding '${segments[i].slice(0, 100)}'`));
        return;
      }
      const message = unstorableTextError(segment);
      if (message) {
        next(new InputError(`${paramName(segments, i)}: ${message}`));
        return;
      }
    }
    const found = findUnstorableText(req.query) ?? findUnstorableText(req.body);
    if (found) {
      next(new InputError(`${found.field}: ${found.message}`));
      return;
    }
    next();
  };
}

interface IntegerParam {
  name: string;
  in: 'path' | 'query';
  minimum?: number;
  maximum?: number;
}

/**
 * Checks the integer path and query parameters of `document` as written:
 * decimal digits within the documented bounds. The OpenAPI validator
 * coerces with `Number()`, so it lets `1e3`, `0x10`, ` 1` and a 400-digit
 * number (Infinity, which the database then refuses with a 500) through.
 */
function strictIntegers(document: { paths?: Record<string, any> }) {
  const routes = Object.entries(document.paths ?? {}).flatMap(([template, methods]) => {
    const names: string[] = [];
    const pattern = new RegExp(
      `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, name) => {
        names.push(name);
        return '([^/]+)';
      })}/?$`,
    );
    return Object.entries(methods as Record<string, any>).map(([method, operation]) => ({
      method: method.toUpperCase(),
      pattern,
      names,
      params: ((operation?.parameters ?? []) as any[])
        .filter(p => p?.schema?.type === 'integer' && (p.in === 'path' || p.in === 'query'))
        .map((p): IntegerParam => ({ name: p.name, in: p.in, minimum: p.schema.minimum, maximum: p.schema.maximum })),
    }));
  });
  return (req: Request, _res: Response, next: NextFunction) => {
    for (const route of routes) {
      if (route.method !== req.method || !route.params.length) continue;
      const match = route.pattern.exec(req.path);
      if (!match) continue;
      for (const param of route.params) {
        let raw: unknown;
        if (param.in === 'path') {
          raw = match[route.names.indexOf(param.name) + 1];
        } else {
          raw = req.query[param.name];
          if (raw === undefined) continue;
        }
        const text = String(raw);
        let problem: string | undefined;
        if (typeof raw !== 'string' || !/^-?(0|[1-9][0-9]*)$/.test(text)) {
          problem = `must be an integer, written in decimal digits, got '${text.slice(0, 40)}'`;
        } else if (param.minimum !== undefined && Number(text) < param.minimum) {
          problem = `must be >= ${param.minimum}`;
        } else if (param.maximum !== undefined && Number(text) > param.maximum) {
          problem = `must be <= ${param.maximum}`;
        }
        if (problem) {
          next(new InputError(`${param.name}: ${problem}`));
          return;
        }
      }
      break;
    }
    next();
  };
}

/** `/body/spec/replicas` → `spec.replicas`; `/params/workspace` → `workspace`. */
function fieldOf(path: string): string {
  return path
    .replace(/^\.?\/?(body|query|params|path|headers)\/?/, '')
    .replace(/^\./, '')
    .replace(/\//g, '.') || 'body';
}

/** `pattern` → what it means, from every schema of `document` that has both a pattern and a description. */
function patternDescriptions(document: unknown): Map<string, string> {
  const found = new Map<string, string>();
  const stack = [document];
  while (stack.length) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    const schema = node as Record<string, unknown>;
    if (typeof schema.pattern === 'string' && typeof schema.description === 'string') {
      found.set(schema.pattern, schema.description);
    }
    stack.push(...Object.values(schema));
  }
  return found;
}

interface ValidatorError {
  path?: string;
  message: string;
  errorCode?: string;
}

/**
 * The problems of one request as `field: message` lines. A `oneOf` that
 * failed inside the branch the input chose (a secretKeyRef with a bad name)
 * is reported by that failure alone, not by every branch it did not choose.
 */
function describeErrors(errors: ValidatorError[], patterns: Map<string, string>): string[] {
  const all = errors.map(e => {
    const keyword = (e.errorCode ?? '').split('.')[0];
    const pattern = keyword === 'pattern' ? /^must match pattern "(.*)"$/.exec(e.message)?.[1] : undefined;
    const described = pattern !== undefined ? patterns.get(pattern) : undefined;
    return { field: fieldOf(e.path ?? ''), keyword, message: described ? `must be ${described}` : e.message };
  });
  const dropped = new Set<(typeof all)[number]>();
  for (const union of all.filter(e => e.keyword === 'oneOf' || e.keyword === 'anyOf')) {
    const prefix = `${union.field}.`;
    const chooses = (e: (typeof all)[number]) =>
      e.keyword === 'required' && e.field.startsWith(prefix) && !e.field.slice(prefix.length).includes('.');
    const inside = all.filter(e => e.field.startsWith(prefix) && !chooses(e));
    if (inside.length) {
      for (const e of all) {
        if (e.field === union.field || chooses(e)) dropped.add(e);
      }
    }
  }
  const lines = all.filter(e => !dropped.has(e)).map(e => `${e.field}: ${e.message}`);
  return [...new Set(lines)];
}

/**
 * Turns express-openapi-validator's errors into one InputError whose message
 * names every offending field, e.g. `force: must NOT have additional properties`.
 */
function validationErrors(patterns: Map<string, string>) {
  return (error: any, _req: Request, _res: Response, next: NextFunction) => {
    if (Array.isArray(error?.errors) && typeof error.status === 'number') {
      const details = describeErrors(error.errors, patterns).join('; ');
      next(new InputError(details || error.message));
      return;
    }
    next(error);
  };
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
  router.use(rejectUnstorableText(document as { paths?: Record<string, unknown> }));
  router.use(strictIntegers(document as { paths?: Record<string, any> }));
  router.use(
    OpenApiValidator.middleware({
      apiSpec: document as any,
      validateRequests: { coerceTypes: false, allowUnknownQueryParameters: false },
      validateResponses: false,
      ignoreUndocumented: true,
      useRequestUrl: true,
    }),
  );
  router.use(validationErrors(patternDescriptions(document)));
  return router;
}
