/*
 * The promotion policy's routes in the OpenAPI document (DESIGN §11):
 * rejecting a version and lifting it, and the hold on automatic promotion.
 */

import { closedObject, jsonBody } from './openapiParts';

/** The request field of a deploy or promotion during a freeze window. */
export const freezeOverrideSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  description: 'Go ahead during a freeze window of the target (needs shipyard.freeze.override; the reason is audited)',
  properties: { reason: { type: 'string', minLength: 1, maxLength: 4000 } },
};

/** The rollback request field that rejects the version rolled back away from. */
export const rollbackRejectSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  description: 'Reject the current version (the one rolled back away from) in the same step (needs shipyard.version.reject)',
  properties: { reason: { type: 'string', minLength: 1, maxLength: 4000 } },
};

/** The paths of rejections and holds, with the document's shared parameters. */
export function promotionPolicyPaths(shared: {
  entityParams: object[];
  workspaceParam: object;
  versionParam: object;
  errorResponses: Record<string, object>;
}) {
  const { entityParams, workspaceParam, versionParam, errorResponses } = shared;
  return {
    '/services/{kind}/{namespace}/{name}/workspaces/{workspace}/versions/{version}/reject': {
      post: {
        operationId: 'rejectVersion',
        parameters: [...entityParams, workspaceParam, versionParam],
        requestBody: jsonBody(closedObject({ reason: { type: 'string', minLength: 1, maxLength: 4000 } }, ['reason'])),
        responses: {
          '200': { description: 'The version with rejection { by, at, reason }; neither it nor its spec is promoted or rolled back to' },
          ...errorResponses,
        },
      },
      delete: {
        operationId: 'unrejectVersion',
        parameters: [...entityParams, workspaceParam, versionParam],
        responses: { '200': { description: 'The version without its rejection' }, ...errorResponses },
      },
    },
    '/services/{kind}/{namespace}/{name}/workspaces/{workspace}/hold': {
      get: {
        operationId: 'getHold',
        parameters: [...entityParams, workspaceParam],
        responses: { '200': { description: 'The hold a rollback placed on automatic promotion into the workspace' }, ...errorResponses },
      },
      delete: {
        operationId: 'liftHold',
        parameters: [...entityParams, workspaceParam],
        responses: { '200': { description: 'The lifted hold; automatic promotion into the workspace resumes' }, ...errorResponses },
      },
    },
  };
}
