/**
 * Pieces the OpenAPI document (openapi.ts) and its fragments
 * (promotionPolicyOpenApi.ts, promotionRequestsOpenApi.ts) build their
 * request bodies from.
 */

/** A JSON request body: `schema`, required unless `optional`. */
export function jsonBody(schema: object, options: { optional?: boolean } = {}) {
  return { required: !options.optional, content: { 'application/json': { schema } } };
}

/** An object with exactly `properties` (no others), of which `required` must be present. */
export function closedObject(properties: object, required?: string[]) {
  return { type: 'object', additionalProperties: false, ...(required ? { required } : {}), properties };
}
