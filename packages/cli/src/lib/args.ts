import {
  entityRefToPath,
  type EnvValue,
} from '@shipyard/backstage-plugin-common';
import { CliError, ExitCode } from './errors';

/**
 * Parses `--service`: an entity ref, `component:default/payments`; the kind
 * defaults to `component` and the namespace to `default`, as in the catalog.
 */
export function parseServiceRef(text: string): string {
  const ref = text.includes(':') ? text : `component:${text}`;
  try {
    const [kind, namespace, name] = entityRefToPath(ref)
      .split('/')
      .map(decodeURIComponent);
    return `${kind}:${namespace}/${name}`;
  } catch {
    throw new CliError(
      `--service: "${text}" is not an entity ref; expected kind:namespace/name, e.g. component:default/payments`,
      ExitCode.BadInput,
    );
  }
}

/** A version address as typed: `dev:3`, or `dev` for the workspace's current version. */
export interface AddressArgument {
  workspace: string;
  version?: number;
}

/** Parses `--from`/`--to` of `diff`: `workspace:n` or `workspace`. */
export function parseAddress(text: string, flag: string): AddressArgument {
  const match = /^([^:\s]+)(?::(\d+))?$/.exec(text);
  if (!match) {
    throw new CliError(
      `${flag}: "${text}" is not a version address; expected workspace:number (dev:3) or a workspace (dev) for its current version`,
      ExitCode.BadInput,
    );
  }
  return match[2] === undefined
    ? { workspace: match[1] }
    : { workspace: match[1], version: positive(match[2], flag) };
}

/** Parses `--to` of `rollback`: a version number (`5`, `v5`) or `previous`. */
export function parseRollbackTarget(text: string): number | 'previous' {
  if (text === 'previous') return 'previous';
  const match = /^v?(\d+)$/.exec(text);
  if (!match) {
    throw new CliError(
      `--to: "${text}" is neither a version number nor "previous"`,
      ExitCode.BadInput,
    );
  }
  return positive(match[1], '--to');
}

/** Parses a positive integer option such as `--limit` or `--expect-current`. */
export function parseCount(text: string, flag: string, min = 1): number {
  if (!/^\d+$/.test(text) || Number(text) < min) {
    throw new CliError(
      `${flag}: "${text}" is not ${
        min === 0 ? 'a whole number' : 'a positive whole number'
      }`,
      ExitCode.BadInput,
    );
  }
  return Number(text);
}

/**
 * An option whose value is a reason, such as `--freeze-override`: absent
 * stays absent, blank is refused here instead of by the backend.
 */
export function requiredText(
  text: string | undefined,
  flag: string,
): string | undefined {
  if (text === undefined) {
    return undefined;
  }
  if (text.trim() === '') {
    throw new CliError(
      `${flag}: give the reason, e.g. ${flag} "hotfix for INC-42"`,
      ExitCode.BadInput,
    );
  }
  return text.trim();
}

/**
 * Parses `--set-env KEY=value` (literal values) and
 * `--set-env-secret KEY=secret-name:key` (a reference to a Secret in the
 * target namespace) into a promotion's `inputs.env`.
 */
export function parseEnvInputs(
  literals: string[],
  secrets: string[],
): Record<string, EnvValue> {
  const env: Record<string, EnvValue> = {};
  const add = (
    flag: string,
    text: string,
    value: (raw: string) => EnvValue,
  ) => {
    const equals = text.indexOf('=');
    const key = equals > 0 ? text.slice(0, equals) : '';
    if (!key) {
      throw new CliError(
        `${flag}: "${text}" is not KEY=value`,
        ExitCode.BadInput,
      );
    }
    if (Object.hasOwn(env, key)) {
      throw new CliError(
        `${flag}: ${key} is given more than once`,
        ExitCode.BadInput,
      );
    }
    env[key] = value(text.slice(equals + 1));
  };
  for (const text of literals) {
    add('--set-env', text, raw => raw);
  }
  for (const text of secrets) {
    add('--set-env-secret', text, raw => {
      const match = /^([^:\s]+):([^:\s]+)$/.exec(raw);
      if (!match) {
        throw new CliError(
          `--set-env-secret: "${text}" is not KEY=secret-name:key`,
          ExitCode.BadInput,
        );
      }
      return { secretKeyRef: { name: match[1], key: match[2] } };
    });
  }
  return env;
}

function positive(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new CliError(
      `${flag}: version numbers start at 1`,
      ExitCode.BadInput,
    );
  }
  return value;
}
