import { InputError } from '@backstage/errors';

const WORKSPACE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Whether `name` can be a workspace name (a DNS label). */
export function isWorkspaceName(name: string): boolean {
  return WORKSPACE_NAME.test(name);
}

/**
 * The workspace names of an annotation's list (`dev, staging` or
 * `dev -> staging`), each a DNS label and named once; an InputError naming
 * the annotation otherwise.
 */
export function workspaceList(annotation: string, text: string): string[] {
  const names = text.split(/->|,/).map(name => name.trim());
  const seen = new Set<string>();
  for (const name of names) {
    if (!isWorkspaceName(name)) {
      throw invalidAnnotation(
        annotation,
        name
          ? `"${name}" is not a workspace name`
          : 'has an empty entry; separate workspaces with "," or "->"',
      );
    }
    if (seen.has(name)) {
      throw invalidAnnotation(annotation, `names ${name} twice`);
    }
    seen.add(name);
  }
  return names;
}

/** `Invalid annotation <name>: <message>`. */
export function invalidAnnotation(
  annotation: string,
  message: string,
): InputError {
  return new InputError(`Invalid annotation ${annotation}: ${message}`);
}
