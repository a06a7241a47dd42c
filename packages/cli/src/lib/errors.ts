import { ResponseError } from '@backstage/errors';

/**
 * The process exit codes, so a pipeline can tell a refused input from a
 * conflict worth retrying.
 */
export const ExitCode = {
  /** The operation succeeded (a rollout, when waited for, succeeded). */
  Ok: 0,
  /** The operation failed: a failed rollout, a plan with blockers, a refusal (403, 404) or a server error. */
  Failed: 1,
  /** Bad input: arguments, an invalid spec file, or a 400 from the backend. */
  BadInput: 2,
  /** A conflict (409): a stale plan, another current version than expected, a busy workspace. */
  Conflict: 3,
  /** The backend could not be reached, did not answer as Shipyard, or refused the token (401). */
  Unreachable: 4,
} as const;

/** An error whose message is the one-line reason the CLI prints, and the exit code it exits with. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = ExitCode.Failed) {
    super(message);
    this.name = 'CliError';
  }
}

/** Turns any error into the reason printed and the exit code. */
export function describeError(error: unknown): {
  message: string;
  exitCode: number;
} {
  if (error instanceof CliError) {
    return { message: error.message, exitCode: error.exitCode };
  }
  if (error instanceof ResponseError) {
    const status = error.response.status;
    const reason = error.body?.error?.message || error.message;
    const label = `${status}${
      error.response.statusText ? ` ${error.response.statusText}` : ''
    }`;
    return {
      message: `${label}: ${oneLine(reason)}`,
      exitCode: exitCodeOfStatus(status),
    };
  }
  if (error instanceof SyntaxError) {
    return {
      message: `the backend's answer is not JSON (${error.message}); is the URL the Backstage backend's base URL, e.g. http://localhost:7007?`,
      exitCode: ExitCode.Unreachable,
    };
  }
  if (error instanceof Error && error.name === 'InputError') {
    // The shared library's own validation, e.g. a malformed entity ref.
    return { message: oneLine(error.message), exitCode: ExitCode.BadInput };
  }
  return {
    message: oneLine(error instanceof Error ? error.message : String(error)),
    exitCode: ExitCode.Failed,
  };
}

function exitCodeOfStatus(status: number): number {
  if (status === 400) return ExitCode.BadInput;
  if (status === 401) return ExitCode.Unreachable;
  if (status === 409) return ExitCode.Conflict;
  return ExitCode.Failed;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
