/*
 * Container image references as the OCI distribution reference grammar
 * (github.com/distribution/reference) defines them, with a tag or digest
 * required: a version must name the artifact it deploys.
 */

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?$`,
);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const MAX_NAME_LENGTH = 255;

/** The parts of an image reference. */
export interface ImageReference {
  registry?: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/** Parses an image reference, e.g. `ghcr.io/acme/payments:1.4.2@sha256:…`; returns the reason when malformed. */
export function parseImageReference(
  text: string,
): { reference: ImageReference } | { error: string } {
  if (text.length === 0) {
    return { error: 'must not be empty' };
  }
  if (/\s/.test(text)) {
    return { error: 'must not contain spaces' };
  }
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) {
      return {
        error: 'digest must be sha256: followed by 64 lowercase hex digits',
      };
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) {
      return {
        error: `tag "${tag}" must be 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"`,
      };
    }
  }
  if (rest.length > MAX_NAME_LENGTH) {
    return { error: `name must be at most ${MAX_NAME_LENGTH} characters` };
  }
  const components = rest.split('/');
  let registry: string | undefined;
  if (
    components.length > 1 &&
    (components[0].includes('.') ||
      components[0].includes(':') ||
      components[0] === 'localhost')
  ) {
    registry = components.shift();
    if (!DOMAIN.test(registry!)) {
      return { error: `registry "${registry}" is not a valid host[:port]` };
    }
  }
  for (const component of components) {
    if (component !== component.toLowerCase()) {
      return { error: 'repository path must be lowercase' };
    }
    if (!PATH_COMPONENT.test(component)) {
      return {
        error: `repository path component "${component}" must be lowercase letters and digits, separated by ".", "_", "__" or "-"`,
      };
    }
  }
  if (tag === undefined && digest === undefined) {
    return { error: 'must have a tag or a digest, e.g. :1.4.2 or @sha256:…' };
  }
  return {
    reference: { registry, repository: components.join('/'), tag, digest },
  };
}

/** Checks an image reference; undefined when it is valid. */
export function imageReferenceError(text: string): string | undefined {
  const parsed = parseImageReference(text);
  return 'error' in parsed ? parsed.error : undefined;
}
