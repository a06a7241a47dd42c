import { Command, CommanderError, Option } from 'commander';
import {
  parseAddress,
  parseCount,
  parseEnvInputs,
  parseRollbackTarget,
  parseServiceRef,
  requiredText,
} from './lib/args';
import { createShipyardClient, resolveConnection } from './lib/client';
import { describeError, ExitCode } from './lib/errors';
import { createProgressReporter, type ProgressStream } from './lib/progress';
import type { CommandContext } from './commands/context';
import { deploy } from './commands/deploy';
import { diff } from './commands/diff';
import { history } from './commands/history';
import { promote } from './commands/promote';
import { rollback } from './commands/rollback';
import { version } from '../package.json';

/** The process around the CLI: streams, environment and working directory; tests pass their own. */
export interface CliIo {
  stdout: ProgressStream;
  stderr: ProgressStream;
  env: Record<string, string | undefined>;
  cwd: string;
  fetch?: typeof fetch;
}

/** Runs one command line (without `node shipyard`) and returns the exit code. */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  const program = createProgram(io, code => {
    exitCode = code;
  });
  try {
    await program.parseAsync(args, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its own one-line message or the help.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.BadInput;
    }
    const described = describeError(error);
    for (const line of described.message.split('\n')) {
      io.stderr.write(`error: ${line}\n`);
    }
    return described.exitCode;
  }
}

const WAIT_HELP =
  'follow the rollout until it succeeds or fails; exit non-zero if it fails';

function createProgram(io: CliIo, setExitCode: (code: number) => void) {
  const program = new Command('shipyard')
    .description(
      "Deploy, roll back and promote services through Shipyard's API in a Backstage backend.",
    )
    .version(version, '-V, --version')
    .option(
      '--url <url>',
      "the Backstage backend's base URL, e.g. http://localhost:7007 (default: $SHIPYARD_URL)",
    )
    .option(
      '--token <token>',
      'a Backstage static external-access token or a user token (default: $SHIPYARD_TOKEN)',
    )
    .configureHelp({ showGlobalOptions: true, sortOptions: false })
    .configureOutput({
      writeOut: text => io.stdout.write(text),
      writeErr: text => io.stderr.write(text),
    })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Exit codes: 0 success; 1 failed (a failed rollout, a plan with blockers, a refusal);
2 bad input (arguments, spec file, 400); 3 conflict (409); 4 backend unreachable or token refused.`,
    );

  const contextOf = (command: Command): CommandContext => {
    const globals = command.optsWithGlobals<{ url?: string; token?: string }>();
    const connection = resolveConnection(
      { url: globals.url, token: globals.token },
      io.env,
    );
    return {
      client: createShipyardClient(connection, io.fetch),
      print: text => io.stdout.write(`${text}\n`),
      progress: () => createProgressReporter(io.stderr),
      cwd: io.cwd,
    };
  };

  const serviceOption = () =>
    new Option(
      '--service <ref>',
      'entity ref of the service, e.g. component:default/payments',
    ).makeOptionMandatory();
  const workspaceOption = () =>
    new Option(
      '--workspace <name>',
      'workspace, e.g. dev',
    ).makeOptionMandatory();
  const timeoutOption = () =>
    new Option(
      '--timeout <seconds>',
      'give up waiting after this long',
    ).default('600', '600 s');
  const expectOption = () =>
    new Option(
      '--expect-current <n>',
      'refuse (409) unless vN is the current version',
    );
  const freezeOverrideOption = (what: string) =>
    new Option(
      '--freeze-override <reason>',
      `${what} during a freeze window, saying why (audited); needs the shipyard.freeze.override permission`,
    );

  program
    .command('deploy')
    .description(
      'Deploy a spec file as the next version of a service in a workspace (origin cli).',
    )
    .addOption(serviceOption())
    .addOption(workspaceOption())
    .option('-f, --file <path>', 'the spec file (YAML)', 'shipyard.yaml')
    .option(
      '--image <ref>',
      "replace the file's image, e.g. with the tag the pipeline just pushed",
    )
    .option('--message <text>', 'why: shown in the history and the audit log')
    .addOption(expectOption())
    .option(
      '--allow-missing-references',
      'deploy although Secret or ConfigMap keys the spec reads are missing in the namespace (otherwise refused, naming each)',
    )
    .addOption(freezeOverrideOption('deploy'))
    .option('--wait', WAIT_HELP)
    .addOption(timeoutOption())
    .action(async (opts, command: Command) => {
      setExitCode(
        await deploy(contextOf(command), {
          allowMissingReferences: opts.allowMissingReferences === true,
          freezeOverride: requiredText(
            opts.freezeOverride,
            '--freeze-override',
          ),
          service: parseServiceRef(opts.service),
          workspace: opts.workspace,
          file: opts.file,
          image: opts.image,
          message: opts.message,
          expectCurrent: optionalCount(
            opts.expectCurrent,
            '--expect-current',
            0,
          ),
          wait: opts.wait,
          timeoutSeconds: parseCount(opts.timeout, '--timeout'),
        }),
      );
    });

  program
    .command('rollback')
    .description(
      'Create a new version with the spec of an earlier one; history is never rewritten.',
    )
    .addOption(serviceOption())
    .addOption(workspaceOption())
    .addOption(
      new Option(
        '--to <n|previous>',
        'the version to return to, or "previous": the newest version before the current one that succeeded with a different spec',
      ).makeOptionMandatory(),
    )
    .option('--reason <text>', 'why: shown in the history and the audit log')
    .addOption(expectOption())
    .option('--wait', WAIT_HELP)
    .addOption(timeoutOption())
    .action(async (opts, command: Command) => {
      setExitCode(
        await rollback(contextOf(command), {
          service: parseServiceRef(opts.service),
          workspace: opts.workspace,
          to: parseRollbackTarget(opts.to),
          reason: opts.reason,
          expectCurrent: optionalCount(
            opts.expectCurrent,
            '--expect-current',
            0,
          ),
          wait: opts.wait,
          timeoutSeconds: parseCount(opts.timeout, '--timeout'),
        }),
      );
    });

  program
    .command('promote')
    .description(
      'Plan a promotion, print it, and execute exactly that plan; a plan with unresolved blockers exits non-zero naming them.',
    )
    .addOption(serviceOption())
    .addOption(
      new Option(
        '--from <workspace>',
        'source workspace, e.g. staging',
      ).makeOptionMandatory(),
    )
    .addOption(
      new Option(
        '--to <workspace>',
        'target workspace, e.g. prod',
      ).makeOptionMandatory(),
    )
    .option(
      '--source-version <n>',
      'promote this version of the source instead of its current one',
    )
    .option(
      '--set-env <KEY=value>',
      'value in the target for an env key new in the source (repeatable)',
      collect,
    )
    .option(
      '--set-env-secret <KEY=secret:key>',
      "the same, as a reference to a key of a Secret in the target's namespace (repeatable)",
      collect,
    )
    .option('--reason <text>', 'why: shown in the history and the audit log')
    .addOption(freezeOverrideOption('promote'))
    .option(
      '--plan-only',
      'print the plan and stop; exit non-zero if it has blockers',
    )
    .option('--json', 'print the plan as JSON')
    .option('--wait', WAIT_HELP)
    .addOption(timeoutOption())
    .action(async (opts, command: Command) => {
      setExitCode(
        await promote(contextOf(command), {
          service: parseServiceRef(opts.service),
          from: opts.from,
          to: opts.to,
          sourceVersion: optionalCount(opts.sourceVersion, '--source-version'),
          env: parseEnvInputs(opts.setEnv ?? [], opts.setEnvSecret ?? []),
          reason: opts.reason,
          freezeOverride: requiredText(
            opts.freezeOverride,
            '--freeze-override',
          ),
          planOnly: opts.planOnly,
          json: opts.json,
          wait: opts.wait,
          timeoutSeconds: parseCount(opts.timeout, '--timeout'),
        }),
      );
    });

  program
    .command('history')
    .description(
      'List the versions of a service in a workspace, newest first; * marks the current one.',
    )
    .addOption(serviceOption())
    .addOption(workspaceOption())
    .option('--limit <n>', 'how many versions to show (at most 200)', '20')
    .option('--json', 'print the page of versions as JSON')
    .action(async (opts, command: Command) => {
      setExitCode(
        await history(contextOf(command), {
          service: parseServiceRef(opts.service),
          workspace: opts.workspace,
          limit: parseCount(opts.limit, '--limit'),
          json: opts.json,
        }),
      );
    });

  program
    .command('diff')
    .description(
      'Show what differs between two versions, across workspaces too.',
    )
    .addOption(serviceOption())
    .addOption(
      new Option(
        '--from <workspace[:n]>',
        'e.g. dev:3; a bare workspace means its current version',
      ).makeOptionMandatory(),
    )
    .addOption(
      new Option('--to <workspace[:n]>', 'e.g. prod:2').makeOptionMandatory(),
    )
    .option('--json', 'print the diff as JSON')
    .action(async (opts, command: Command) => {
      setExitCode(
        await diff(contextOf(command), {
          service: parseServiceRef(opts.service),
          from: parseAddress(opts.from, '--from'),
          to: parseAddress(opts.to, '--to'),
          json: opts.json,
        }),
      );
    });

  return program;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function optionalCount(text: string | undefined, flag: string, min = 1) {
  return text === undefined ? undefined : parseCount(text, flag, min);
}
