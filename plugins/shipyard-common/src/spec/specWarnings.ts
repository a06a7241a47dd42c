import type { EnvValue, PlanIssue, ServiceSpec } from '../types';

const SECRET_WORDS = new Set([
  'PASSWORD',
  'PASSWD',
  'PASSPHRASE',
  'SECRET',
  'TOKEN',
  'KEY',
  'APIKEY',
  'CREDENTIAL',
  'CREDENTIALS',
]);

/**
 * Whether an env var name looks like it holds a secret. The name is split
 * into words at `_` and where a lowercase letter or digit meets an uppercase
 * one (`dbPassword` is `db`, `Password`); it looks secret when its last word,
 * compared case-insensitively, is PASSWORD, PASSWD, PASSPHRASE, SECRET,
 * TOKEN, KEY, APIKEY, CREDENTIAL or CREDENTIALS (so `DB_PASSWORD`,
 * `GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`, `apiKey`, `TOKEN`), unless it is a
 * public key (`…_PUBLIC_KEY`). `AWS_ACCESS_KEY_ID`, `TOKEN_URL` and
 * `PWD` do not look secret.
 * @public
 */
export function looksLikeSecretName(name: string): boolean {
  const words = name
    .split(/_|(?<=[a-z0-9])(?=[A-Z])/)
    .filter(Boolean)
    .map(word => word.toUpperCase());
  const last = words[words.length - 1];
  if (last === undefined || !SECRET_WORDS.has(last)) {
    return false;
  }
  return !(last === 'KEY' && words[words.length - 2] === 'PUBLIC');
}

/** The `secret-literal` warning for env var `name` holding `value`, if it looks like a secret given as a literal. */
export function secretLiteralWarning(
  name: string,
  value: EnvValue | undefined,
): PlanIssue | undefined {
  if (typeof value !== 'string' || value === '' || !looksLikeSecretName(name)) {
    return undefined;
  }
  return {
    code: 'secret-literal',
    path: `env.${name}`,
    message: `env.${name} looks like a secret but has a literal value, stored in every version and shown in diffs: keep it in a Secret and use { secretKeyRef: { name, key } }`,
  };
}

/**
 * Warnings about a valid spec that are not errors: today, env vars whose
 * name looks like a secret ({@link looksLikeSecretName}) given as a
 * non-empty literal (code `secret-literal`, path `env.<NAME>`). Pure; never
 * includes a value.
 * @public
 */
export function specWarnings(spec: ServiceSpec): PlanIssue[] {
  const warnings: PlanIssue[] = [];
  for (const name of Object.keys(spec.env ?? {}).sort()) {
    const warning = secretLiteralWarning(name, spec.env![name]);
    if (warning) {
      warnings.push(warning);
    }
  }
  return warnings;
}
