import { parseSpec, type EnvValue } from '@shipyard/backstage-plugin-common';

/** What the user gives for an env key that needs input: a literal, or a reference to a Secret or ConfigMap key. */
export interface EnvInput {
  kind: 'literal' | 'secret' | 'configMap';
  value: string;
  name: string;
  key: string;
}

/** An input not filled in yet. */
export const EMPTY_INPUT: EnvInput = {
  kind: 'literal',
  value: '',
  name: '',
  key: '',
};

/** The input that offers the source's value: its literal, or the same reference. */
export function inputFromSource(source: unknown): EnvInput {
  if (typeof source === 'string') {
    return { ...EMPTY_INPUT, value: source };
  }
  const reference = source as
    | {
        secretKeyRef?: { name: string; key: string };
        configMapKeyRef?: { name: string; key: string };
      }
    | undefined;
  if (reference?.secretKeyRef) {
    return { ...EMPTY_INPUT, kind: 'secret', ...reference.secretKeyRef };
  }
  if (reference?.configMapKeyRef) {
    return { ...EMPTY_INPUT, kind: 'configMap', ...reference.configMapKeyRef };
  }
  return EMPTY_INPUT;
}

/** The env value an input stands for, or undefined while it is incomplete. */
export function toEnvValue(input: EnvInput | undefined): EnvValue | undefined {
  if (!input) {
    return undefined;
  }
  if (input.kind === 'literal') {
    return input.value === '' ? undefined : input.value;
  }
  if (!input.name.trim() || !input.key.trim()) {
    return undefined;
  }
  const reference = { name: input.name.trim(), key: input.key.trim() };
  return input.kind === 'secret'
    ? { secretKeyRef: reference }
    : { configMapKeyRef: reference };
}

/**
 * What is wrong with an input, by the shared spec schema (the same check the
 * backend runs), e.g. a Secret name that is not a DNS subdomain.
 */
export function envInputProblems(
  key: string,
  input: EnvInput | undefined,
  image: string,
): string[] {
  const value = toEnvValue(input);
  if (value === undefined) {
    return [
      input?.kind === 'literal' || !input
        ? 'Give a value'
        : `Give the ${
            input.kind === 'secret' ? 'Secret' : 'ConfigMap'
          } name and key`,
    ];
  }
  // The backend refuses it too: a blank value answers nothing.
  if (typeof value === 'string' && value.trim() === '') {
    return ['Only spaces: give the value it should have, or a reference'];
  }
  const result = parseSpec({ image, env: { [key]: value } });
  if (result.success) {
    return [];
  }
  const prefix = `env.${key}`;
  return result.errors
    .filter(
      error => error.path === prefix || error.path.startsWith(`${prefix}.`),
    )
    .map(error => {
      const field = error.path
        .slice(prefix.length + 1)
        .split('.')
        .pop();
      return field ? `${field}: ${error.message}` : error.message;
    });
}
