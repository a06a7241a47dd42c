/*
 * Kubernetes name rules (k8s.io/apimachinery/pkg/util/validation), each
 * returning a message for a bad value or undefined for a good one.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;

/** Checks a DNS-1123 label: a Kubernetes object name such as a Deployment's. */
export function dns1123LabelError(value: string): string | undefined {
  if (value.length > 63) {
    return 'must be at most 63 characters';
  }
  if (!DNS1123_LABEL.test(value)) {
    return 'must be a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit';
  }
  return undefined;
}

/** Checks a DNS-1123 subdomain: the name of a Secret or ConfigMap. */
export function dns1123SubdomainError(value: string): string | undefined {
  if (value.length > 253) {
    return 'must be at most 253 characters';
  }
  if (!DNS1123_SUBDOMAIN.test(value)) {
    return 'must be a DNS-1123 subdomain: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit';
  }
  return undefined;
}

/** Checks a qualified name, `[prefix/]name`: a label or annotation key. */
export function qualifiedNameError(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) {
    return 'must be a qualified name, [prefix/]name, with at most one "/"';
  }
  const name = parts[parts.length - 1];
  if (parts.length === 2) {
    if (parts[0].length === 0) {
      return 'must not have an empty prefix before "/"';
    }
    const prefixError = dns1123SubdomainError(parts[0]);
    if (prefixError) {
      return `prefix ${prefixError}`;
    }
  }
  if (name.length === 0) {
    return 'must have a name';
  }
  if (name.length > 63) {
    return 'name part must be at most 63 characters';
  }
  if (!QUALIFIED_NAME_PART.test(name)) {
    return 'name part must consist of letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  }
  return undefined;
}

/** Checks a label value. */
export function labelValueError(value: string): string | undefined {
  if (value.length > 63) {
    return 'must be at most 63 characters';
  }
  if (!LABEL_VALUE.test(value)) {
    return 'must be empty or consist of letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  }
  return undefined;
}

/** Checks an IANA_SVC_NAME: the name of a container or Service port. */
export function portNameError(value: string): string | undefined {
  if (value.length > 15) {
    return 'must be at most 15 characters';
  }
  if (!IANA_SVC_NAME.test(value)) {
    return 'must consist of lowercase letters, digits and "-", starting and ending with a letter or digit';
  }
  if (value.includes('--')) {
    return 'must not contain "--"';
  }
  if (!/[a-z]/.test(value)) {
    return 'must contain at least one letter';
  }
  return undefined;
}

/** Checks an environment variable name. */
export function envNameError(value: string): string | undefined {
  if (value === '__proto__') {
    return 'must not be __proto__';
  }
  return C_IDENTIFIER.test(value)
    ? undefined
    : 'must be a C identifier: letters, digits and "_", not starting with a digit';
}

/** Checks the key of a Secret or ConfigMap entry. */
export function configMapKeyError(value: string): string | undefined {
  if (value.length > 253) {
    return 'must be at most 253 characters';
  }
  return CONFIG_MAP_KEY.test(value)
    ? undefined
    : 'must consist of letters, digits, "-", "_" or "."';
}
