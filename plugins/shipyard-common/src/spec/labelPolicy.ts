import type { LabelPolicy, ServiceSpec, SpecError } from '../types';
import { dns1123SubdomainError, qualifiedNameError } from './kubernetesNames';

/**
 * The label and annotation keys a spec may not use unless a workspace's
 * `labelPolicy.allow` permits them: Kubernetes reserves `kubernetes.io/` and
 * `k8s.io/` (with their subdomains) for its own components, and Shipyard
 * reserves `shipyard/`. `app.kubernetes.io/` holds Kubernetes' recommended
 * labels (`app.kubernetes.io/part-of`, `…/version`), which are the user's to
 * set, except `app.kubernetes.io/managed-by`, which Shipyard sets.
 * @public
 */
export const DEFAULT_LABEL_POLICY: Readonly<Required<LabelPolicy>> = {
  allow: ['app.kubernetes.io/'],
  deny: [
    'kubernetes.io/',
    'k8s.io/',
    'shipyard/',
    'app.kubernetes.io/managed-by',
  ],
};

interface Entry {
  entry: string;
  effect: 'allow' | 'deny';
  fromWorkspace: boolean;
  specificity: number;
}

/**
 * How specific `entry` is for `key`, or -1 when it does not match. An entry
 * ending in `/` names a prefix domain and its subdomains (`kubernetes.io/`
 * matches `kubernetes.io/arch` and `node.kubernetes.io/foo`); any other entry
 * is one exact key. An exact key beats any domain, a longer domain a shorter.
 */
function specificity(entry: string, key: string): number {
  if (!entry.endsWith('/')) {
    return entry === key ? Number.MAX_SAFE_INTEGER : -1;
  }
  const slash = key.indexOf('/');
  if (slash < 0) {
    return -1;
  }
  const domain = key.slice(0, slash);
  const wanted = entry.slice(0, -1);
  return domain === wanted || domain.endsWith(`.${wanted}`)
    ? wanted.length
    : -1;
}

/**
 * Why `key` may not be used as a label or annotation key under `policy` (the
 * workspace's, on top of {@link DEFAULT_LABEL_POLICY}), or undefined when it
 * may. The most specific matching entry decides; of two equally specific
 * ones, the workspace's beats the default, and deny beats allow.
 * @public
 */
export function reservedKeyError(
  key: string,
  policy: LabelPolicy = {},
): string | undefined {
  const entries: Entry[] = [];
  const add = (
    list: readonly string[] | undefined,
    effect: Entry['effect'],
    fromWorkspace: boolean,
  ) => {
    for (const entry of list ?? []) {
      const score = specificity(entry, key);
      if (score >= 0) {
        entries.push({ entry, effect, fromWorkspace, specificity: score });
      }
    }
  };
  add(DEFAULT_LABEL_POLICY.allow, 'allow', false);
  add(DEFAULT_LABEL_POLICY.deny, 'deny', false);
  add(policy.allow, 'allow', true);
  add(policy.deny, 'deny', true);
  if (entries.length === 0) {
    return undefined;
  }
  entries.sort(
    (a, b) =>
      b.specificity - a.specificity ||
      Number(b.fromWorkspace) - Number(a.fromWorkspace) ||
      Number(b.effect === 'deny') - Number(a.effect === 'deny'),
  );
  const decisive = entries[0];
  if (decisive.effect === 'allow') {
    return undefined;
  }
  const what = decisive.entry.endsWith('/')
    ? `uses the reserved prefix ${decisive.entry}`
    : `is the reserved key ${decisive.entry}`;
  return decisive.fromWorkspace
    ? `${what}, denied by the workspace's labelPolicy`
    : `${what}; an operator can permit it with the workspace's labelPolicy.allow`;
}

/** The label and annotation keys of `spec` that `policy` refuses, as spec errors naming each key. */
export function labelPolicyErrors(
  spec: Partial<ServiceSpec>,
  policy: LabelPolicy = {},
): SpecError[] {
  const errors: SpecError[] = [];
  for (const field of ['labels', 'annotations'] as const) {
    for (const key of Object.keys(spec[field] ?? {})) {
      const message = reservedKeyError(key, policy);
      if (message) {
        errors.push({ path: `${field}.${key}`, message });
      }
    }
  }
  return errors;
}

/**
 * Problems of a label policy from configuration, each naming the entry:
 * an entry is a domain followed by `/` (`example.com/`) or an exact key
 * (`example.com/team`, `team`).
 * @public
 */
export function labelPolicyConfigErrors(policy: LabelPolicy): SpecError[] {
  const errors: SpecError[] = [];
  for (const list of ['allow', 'deny'] as const) {
    (policy[list] ?? []).forEach((entry, index) => {
      const message = entry.endsWith('/')
        ? dns1123SubdomainError(entry.slice(0, -1))
        : qualifiedNameError(entry);
      if (message) {
        errors.push({
          path: `${list}[${index}]`,
          message: `'${entry}' ${message}; an entry is a domain ending in "/" (example.com/) or an exact key`,
        });
      }
    });
  }
  return errors;
}
