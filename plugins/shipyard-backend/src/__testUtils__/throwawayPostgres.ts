import { spawn, spawnSync } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A PostgreSQL 15 server of the test's own, in a temporary directory on a
 * free port of 127.0.0.1, that the test may restart or crash at will without
 * disturbing the shared cluster other suites use.
 */
export interface ThrowawayPostgres {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres`; trust authentication. */
  connectionString: string;
  port: number;
  /** `pg_ctl restart -m fast`: sessions are terminated, the server comes back. Resolves once it accepts connections. */
  restart(): Promise<void>;
  /** `pg_ctl stop`: `immediate` is what a crash looks like (recovery on the next start). */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  /** `pg_ctl start`; resolves once it accepts connections. */
  start(): Promise<void>;
  /** The server's log, for a failure message. */
  log(): string;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

const DEFAULT_BIN = '/usr/lib/postgresql/15/bin';
const RUNUSER = '/usr/sbin/runuser';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Runner {
  bin: string;
  /** The postgres user's ids when running as root. */
  owner?: { uid: number; gid: number };
}

function runner(): Runner | string {
  const bin = process.env.SHIPYARD_POSTGRES_BIN ?? DEFAULT_BIN;
  if (!existsSync(join(bin, 'pg_ctl')) || !existsSync(join(bin, 'initdb'))) {
    return `no initdb and pg_ctl in ${bin} (apt-get install postgresql-15, or set SHIPYARD_POSTGRES_BIN)`;
  }
  if (process.getuid?.() !== 0) return { bin };
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0 || !existsSync(RUNUSER)) {
    return 'running as root, and there is no postgres user (or runuser) to run the server as';
  }
  return { bin, owner: { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) } };
}

/**
 * Whether this machine can run a throwaway server; prints the reason when it
 * cannot, and in CI (`CI` or `SHIPYARD_REQUIRE_SERVICES`) throws instead.
 */
export function canRunThrowawayPostgres(): boolean {
  const found = runner();
  if (typeof found !== 'string') return true;
  if (process.env.SHIPYARD_REQUIRE_SERVICES === 'true' || process.env.CI === 'true') {
    throw new Error(`A throwaway PostgreSQL is required in CI: ${found}`);
  }
  // eslint-disable-next-line no-console
  console.warn(`PostgreSQL restart tests skipped: ${found}`);
  return false;
}

/**
 * Initialises and starts a throwaway server. The binaries come from
 * `SHIPYARD_POSTGRES_BIN` or Debian's postgresql-15. PostgreSQL refuses to
 * run as root, so as root it runs as `postgres`.
 */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const found = runner();
  if (typeof found === 'string') throw new Error(found);
  const { bin, owner } = found;
  const wrap = (command: string, args: string[]) =>
    owner ? { command: RUNUSER, args: ['-u', 'postgres', '--', command, ...args] } : { command, args };

  const dir = mkdtempSync(join(tmpdir(), 'shipyard-pg-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;

  // pg_ctl hands its stdout to the server it starts, so both write to a file
  // rather than to a pipe that would stay open as long as the server runs.
  const pgCtl = (...args: string[]): Promise<void> => {
    const { command, args: argv } = wrap(join(bin, 'pg_ctl'), ['-D', data, '-t', '30', ...args]);
    const out = openSync(logFile, 'a');
    const child = spawn(command, argv, { stdio: ['ignore', out, out] });
    return new Promise((resolve, reject) => {
      child.once('error', error => {
        closeSync(out);
        reject(error);
      });
      child.once('exit', code => {
        closeSync(out);
        if (code === 0) resolve();
        else reject(new Error(`pg_ctl ${args.join(' ')} exited with ${code}:\n${tail(logFile)}`));
      });
    });
  };

  const init = wrap(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const initialised = spawnSync(init.command, init.args, { encoding: 'utf8' });
  if (initialised.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${initialised.stderr || initialised.error}`);
  }
  const start = () => pgCtl('-w', '-o', serverOptions, 'start');
  try {
    await start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  let running = true;
  return {
    connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    restart: async () => {
      await pgCtl('-w', '-m', 'fast', '-o', serverOptions, 'restart');
      running = true;
    },
    stop: async mode => {
      await pgCtl('-w', '-m', mode, 'stop');
      running = false;
    },
    start: async () => {
      await start();
      running = true;
    },
    log: () => tail(logFile),
    destroy: async () => {
      if (running) await pgCtl('-w', '-m', 'immediate', 'stop').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
