/*
 * The promotion request routes of the OpenAPI document (DESIGN §11), kept
 * beside the main document and spread into its paths.
 */
import { PROMOTION_REQUEST_STATUSES } from '@shipyard/backstage-plugin-common';
import { closedObject, jsonBody } from './openapiParts';

const idParam = {
  name: 'id',
  in: 'path',
  required: true,
  schema: {
    type: 'string',
    pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
    description: 'a promotion request id (a UUID)',
  },
};
const listQuery = [
  {
    name: 'status',
    in: 'query',
    required: false,
    // Commas between statuses, unencoded.
    allowReserved: true,
    description: 'Only requests with this status; several separated by commas (pending,approved)',
    schema: {
      type: 'string',
      maxLength: 100,
      pattern: `^(${PROMOTION_REQUEST_STATUSES.join('|')})(,(${PROMOTION_REQUEST_STATUSES.join('|')}))*$`,
      description: `one or more of ${PROMOTION_REQUEST_STATUSES.join(', ')}, separated by commas`,
    },
  },
  { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500 } },
];
const decisionBody = jsonBody(closedObject({ reason: { type: 'string', maxLength: 4000 } }), { optional: true });
const json = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/PromotionRequest' } } },
});

/**
 * The paths of promotion requests; `requestBody` is the promote call's
 * (source, target, planHash, sourceVersion, take, inputs, reason).
 */
export function promotionRequestPaths(options: {
  entityParams: object[];
  promoteBody: object;
  errorResponses: Record<string, object>;
}) {
  const { entityParams, promoteBody, errorResponses } = options;
  return {
    '/services/{kind}/{namespace}/{name}/promotions/requests': {
      post: {
        operationId: 'requestPromotion',
        description: 'Asks for a promotion into a workspace with approval.required; 201 with the pending request',
        parameters: entityParams,
        requestBody: jsonBody(promoteBody),
        responses: { '201': json('The pending request'), ...errorResponses },
      },
      get: {
        operationId: 'listServicePromotionRequests',
        parameters: [...entityParams, ...listQuery],
        responses: { '200': { description: 'The service’s requests, newest first: { items }' }, ...errorResponses },
      },
    },
    '/promotion-requests': {
      get: {
        operationId: 'listPromotionRequests',
        parameters: listQuery,
        responses: {
          '200': { description: 'Requests of the services the caller may read, newest first: { items }' },
          ...errorResponses,
        },
      },
    },
    '/promotion-requests/{id}': {
      get: {
        operationId: 'getPromotionRequest',
        parameters: [idParam],
        responses: { '200': json('The request'), ...errorResponses },
      },
    },
    '/promotion-requests/{id}/approve': {
      post: {
        operationId: 'approvePromotionRequest',
        description: 'An approval by someone other than the requester, for the plan as it is now (409 and status stale when it changed)',
        parameters: [idParam],
        requestBody: decisionBody,
        responses: { '200': json('The request, executed when this was the last needed approval'), ...errorResponses },
      },
    },
    '/promotion-requests/{id}/decline': {
      post: {
        operationId: 'declinePromotionRequest',
        parameters: [idParam],
        requestBody: decisionBody,
        responses: { '200': json('The declined request'), ...errorResponses },
      },
    },
    '/promotion-requests/{id}/execute': {
      post: {
        operationId: 'executePromotionRequest',
        description: 'The requester runs an approved request (shipyard.approval.execute: by-requester)',
        parameters: [idParam],
        responses: { '200': json('The executed request'), ...errorResponses },
      },
    },
  };
}
