/*
 * The OpenAPI document of /api/shipyard. The router validates every request
 * against it; the spec inside a request body is validated by the shared zod
 * schema afterwards, whose messages name the exact field.
 */
import { INT32_MAX, PROMOTABLE_FIELDS, SPEC_LIMITS } from '@shipyard/backstage-plugin-common';
import { closedObject, jsonBody } from './openapiParts';
import { promotionRequestPaths } from './promotionRequestsOpenApi';
import { freezeOverrideSchema, promotionPolicyPaths, rollbackRejectSchema } from './promotionPolicyOpenApi';

/** A version number or count: PostgreSQL stores them as int32, so larger ones are refused here with the field's name. */
const int32 = (minimum: number) => ({ type: 'integer', minimum, maximum: INT32_MAX });

const entityParams = [
  { name: 'kind', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9-]{0,62}$' } },
  { name: 'namespace', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$' } },
  { name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9][-A-Za-z0-9_.]{0,62}$' } },
];
const workspaceParam = {
  name: 'workspace',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$' },
};
const versionParam = {
  name: 'version',
  in: 'path',
  required: true,
  schema: int32(1),
};
const waitParam = {
  name: 'wait',
  in: 'query',
  required: false,
  description: 'Answer once the rollout has finished instead of once the objects are applied',
  schema: { type: 'boolean' },
};
// Checked before any cluster call: a name of '.' would otherwise make the preflight list every Secret.
const keySelector = {
  type: 'object',
  required: ['name', 'key'],
  properties: {
    name: {
      type: 'string',
      maxLength: 253,
      // DNS-1123 subdomain, written so that no input makes the regex backtrack.
      pattern: '^[a-z0-9]+(-+[a-z0-9]+)*(\\.[a-z0-9]+(-+[a-z0-9]+)*)*$',
      description: 'a DNS-1123 subdomain: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit',
    },
    key: {
      type: 'string',
      minLength: 1,
      maxLength: 253,
      pattern: '^[-._a-zA-Z0-9]+$',
      description: 'a Secret or ConfigMap key: letters, digits, "-", "_" or "."',
    },
    optional: { type: 'boolean' },
  },
  additionalProperties: false,
};
const envValue = {
  oneOf: [
    { type: 'string', maxLength: SPEC_LIMITS.stringLength },
    {
      type: 'object',
      additionalProperties: false,
      required: ['secretKeyRef'],
      properties: {
        secretKeyRef: keySelector,
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['configMapKeyRef'],
      properties: {
        configMapKeyRef: keySelector,
      },
    },
  ],
};
const message = { type: 'string', maxLength: 4000 };
const planRequestProperties = {
  source: { type: 'string', minLength: 1, maxLength: 63 },
  target: { type: 'string', minLength: 1, maxLength: 63 },
  sourceVersion: int32(1),
  take: { type: 'array', items: { type: 'string', enum: [...PROMOTABLE_FIELDS] }, uniqueItems: true, maxItems: PROMOTABLE_FIELDS.length },
};
const promotionInputs = {
  type: 'object',
  additionalProperties: false,
  properties: {
    env: { type: 'object', additionalProperties: envValue, maxProperties: 5000 },
    /** Needs-input values outside env, by the change's path (ports[0].expose.host). */
    values: { type: 'object', additionalProperties: { type: 'string', minLength: 1, maxLength: 253 }, maxProperties: 100 },
  },
};
const promoteBody = {
  type: 'object',
  additionalProperties: false,
  required: ['source', 'target', 'planHash'],
  properties: {
    ...planRequestProperties,
    planHash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    reason: message,
    inputs: promotionInputs,
    freezeOverride: freezeOverrideSchema,
  },
};
const json = (schemaRef: string) => ({
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${schemaRef}` } } },
});
const errorResponses = {
  '400': { description: 'Invalid input; the message names the field', ...json('Error') },
  '401': { description: 'No or invalid Backstage token', ...json('Error') },
  '403': { description: 'Not allowed by the permission policy', ...json('Error') },
  '404': { description: 'Unknown service, workspace or version', ...json('Error') },
  '409': { description: 'Stale expectedCurrentVersion or plan, or a busy workspace', ...json('Error') },
};
const anyObject = { type: 'object', additionalProperties: true };

/** The OpenAPI document served at /api/shipyard/openapi.json. @public */
export const shipyardOpenApiDocument = {
  openapi: '3.0.3',
  info: {
    title: 'Shipyard',
    version: '1',
    description: 'Versioned deployments, rollback and promotion of catalog services',
  },
  servers: [{ url: '/' }],
  components: {
    schemas: {
      Error: anyObject,
      Workspace: anyObject,
      Version: anyObject,
      ServiceSpec: { type: 'object', description: 'Spec v1 (DESIGN §4); validated field by field by the server' },
      PromotionRequest: anyObject,
    },
  },
  paths: {
    ...promotionRequestPaths({ entityParams, promoteBody, errorResponses }),
    ...promotionPolicyPaths({ entityParams, workspaceParam, versionParam, errorResponses }),
    '/workspaces': {
      get: { operationId: 'listWorkspaces', responses: { '200': { description: 'Configured workspaces', ...json('Workspace') }, ...errorResponses } },
    },
    '/services/{kind}/{namespace}/{name}/workspaces': {
      get: {
        operationId: 'getServiceWorkspaces',
        parameters: entityParams,
        responses: {
          '200': {
            description:
              'Per workspace: current version, status, drift, lease, hold, the freeze in force and the last auto-promotion attempt; and the promotion path (with a malformed annotation reported in promotionPath.errors)',
          },
          ...errorResponses,
        },
      },
    },
    '/services/{kind}/{namespace}/{name}/workspaces/{workspace}/versions': {
      get: {
        operationId: 'listVersions',
        parameters: [
          ...entityParams,
          workspaceParam,
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 200 } },
          { name: 'cursor', in: 'query', required: false, schema: { type: 'string', maxLength: 200 } },
        ],
        responses: { '200': { description: 'Versions, newest first' }, ...errorResponses },
      },
      post: {
        operationId: 'deployVersion',
        parameters: [...entityParams, workspaceParam, waitParam],
        requestBody: jsonBody(closedObject({
          spec: { $ref: '#/components/schemas/ServiceSpec' },
          message,
          expectedCurrentVersion: int32(0),
          origin: { type: 'string', enum: ['deploy', 'edit', 'scaffolder', 'cli'] },
          adopt: {
            type: 'boolean',
            description:
              'Take over objects of the same name that Shipyard did not create (audited); objects of another entity are refused all the same',
          },
          allowMissingReferences: {
            type: 'boolean',
            description:
              'Deploy although Secret or ConfigMap keys the spec references do not exist in the namespace (otherwise 409 naming each)',
          },
          freezeOverride: freezeOverrideSchema,
        }, ['spec'])),
        responses: { '201': { description: 'The new version', ...json('Version') }, ...errorResponses },
      },
    },
    '/services/{kind}/{namespace}/{name}/workspaces/{workspace}/versions/{version}': {
      get: {
        operationId: 'getVersion',
        parameters: [...entityParams, workspaceParam, versionParam],
        responses: { '200': { description: 'The version with its spec and rendered manifests' }, ...errorResponses },
      },
    },
    '/services/{kind}/{namespace}/{name}/workspaces/{workspace}/versions/{version}/rollback': {
      post: {
        operationId: 'rollback',
        parameters: [...entityParams, workspaceParam, versionParam, waitParam],
        requestBody: jsonBody(closedObject({ reason: message, expectedCurrentVersion: int32(0), reject: rollbackRejectSchema }), { optional: true }),
        responses: { '201': { description: 'The new version, origin rollback of {version}' }, ...errorResponses },
      },
    },
    '/services/{kind}/{namespace}/{name}/workspaces/{workspace}/versions/{version}/rollback-plan': {
      get: {
        operationId: 'previewRollback',
        parameters: [...entityParams, workspaceParam, versionParam],
        responses: { '200': { description: 'The diff from the current version and warnings' }, ...errorResponses },
      },
    },
    '/services/{kind}/{namespace}/{name}/workspaces/{workspace}/versions/{version}/checklist/{item}': {
      post: {
        operationId: 'updateChecklistItem',
        parameters: [
          ...entityParams,
          workspaceParam,
          versionParam,
          { name: 'item', in: 'path', required: true, schema: int32(1) },
        ],
        requestBody: jsonBody(closedObject({ done: { type: 'boolean', description: 'true ticks the item off, false opens it again' } }, ['done'])),
        responses: {
          '200': { description: 'The version with its checklist; a ticked-off item has done { by, at }' },
          ...errorResponses,
        },
      },
    },
    '/services/{kind}/{namespace}/{name}/workspaces/{workspace}/live': {
      get: {
        operationId: 'getLive',
        parameters: [...entityParams, workspaceParam],
        responses: { '200': { description: 'Live objects, rollout progress and drift' }, ...errorResponses },
      },
    },
    '/services/{kind}/{namespace}/{name}/workspaces/{workspace}/preflight': {
      post: {
        operationId: 'preflightDeploy',
        parameters: [...entityParams, workspaceParam],
        requestBody: jsonBody(closedObject({ spec: { $ref: '#/components/schemas/ServiceSpec' } }, ['spec'])),
        responses: { '200': { description: 'What a deploy of the spec would meet: blockers and warnings' }, ...errorResponses },
      },
    },
    '/services/{kind}/{namespace}/{name}/workspaces/{workspace}/lease': {
      delete: {
        operationId: 'releaseLease',
        parameters: [...entityParams, workspaceParam],
        responses: { '200': { description: 'The released lease' }, ...errorResponses },
      },
    },
    '/services/{kind}/{namespace}/{name}/diff': {
      get: {
        operationId: 'diffVersions',
        parameters: [
          ...entityParams,
          { name: 'from', in: 'query', required: true, allowReserved: true, schema: { type: 'string', pattern: '^[a-z0-9-]{1,63}:[0-9]{1,10}$' } },
          { name: 'to', in: 'query', required: true, allowReserved: true, schema: { type: 'string', pattern: '^[a-z0-9-]{1,63}:[0-9]{1,10}$' } },
        ],
        responses: { '200': { description: 'A structured diff' }, ...errorResponses },
      },
    },
    '/services/{kind}/{namespace}/{name}/promotions/plan': {
      post: {
        operationId: 'planPromotion',
        parameters: entityParams,
        // Inputs are checked with the plan (a missing Secret, a blank value); they do not change its hash.
        requestBody: jsonBody(closedObject({ ...planRequestProperties, inputs: promotionInputs }, ['source', 'target'])),
        responses: { '200': { description: 'The plan' }, ...errorResponses },
      },
    },
    '/services/{kind}/{namespace}/{name}/promotions': {
      post: {
        operationId: 'executePromotion',
        parameters: [...entityParams, waitParam],
        requestBody: jsonBody(promoteBody),
        responses: { '201': { description: 'The new version in the target' }, ...errorResponses },
      },
    },
  },
} as const;
