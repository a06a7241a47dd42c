import type {
  Lease,
  ServiceWorkspaceState,
} from '@shipyard/backstage-plugin-common';
import { isActive } from '../../hooks/ServiceStatusStore';
import { authorName } from './authorName';
import { formatRelative } from './RelativeTime';

/** What a lease's operation names, e.g. `deploy by user:default/ana` or `recovery of v3`. */
export interface LeaseOperation {
  /** The origin of the version it creates (`deploy`, `rollback`, …), or `recovery`. */
  kind: string;
  /** Who started it: a user entity ref, `service:…` or `shipyard:…`. */
  actor?: string;
  /** The version it works on, when the operation names one. */
  version?: number;
}

const NOUNS: Record<string, string> = {
  deploy: 'deploy',
  edit: 'deploy',
  rollback: 'rollback',
  promotion: 'promotion',
  'auto-promotion': 'automatic promotion',
  scaffolder: 'deploy from a template',
  cli: 'deploy from the CLI',
  assistant: 'deploy by an assistant',
  recovery: 'recovery',
};

/** Reads the operation the backend writes into a lease (`<origin> by <actor>`, `recovery of v<n>`). */
export function parseLeaseOperation(operation: string): LeaseOperation {
  const by = /^([a-z-]+) by (.+)$/.exec(operation);
  if (by) {
    return { kind: by[1], actor: by[2] };
  }
  const of = /^([a-z-]+) of v(\d+)$/.exec(operation);
  if (of) {
    return { kind: of[1], version: Number(of[2]) };
  }
  return { kind: operation };
}

function whose(actor: string | undefined, me: string | undefined): string {
  if (!actor) {
    return "Shipyard's";
  }
  if (me && actor === me) {
    return 'Your';
  }
  if (actor.startsWith('shipyard:')) {
    return "Shipyard's";
  }
  if (actor.startsWith('service:')) {
    return `The service ${actor.slice('service:'.length)}'s`;
  }
  return `${authorName(actor)}'s`;
}

/**
 * A workspace's lease in plain words, e.g. `Your deploy of v4 in dev is in
 * progress, started 20 seconds ago.` or `ana's rollback in prod is in
 * progress, started 2 minutes ago.`; the version is the one being rolled out
 * when the lease's operation created it.
 */
export function leaseSentence(
  state: ServiceWorkspaceState,
  me: string | undefined,
  now: number = Date.now(),
): string {
  const lease = state.lease as Lease;
  const operation = parseLeaseOperation(lease.operation);
  const latest = state.latestVersion;
  const number =
    operation.version ??
    (latest &&
    isActive(latest) &&
    (!operation.actor || latest.createdBy === operation.actor)
      ? latest.number
      : undefined);
  const noun = NOUNS[operation.kind] ?? operation.kind;
  const owner = whose(operation.actor, me);
  const automatic = operation.actor?.startsWith('shipyard:auto-');
  const subject = automatic ? `An automatic ${noun}` : `${owner} ${noun}`;
  return `${subject}${number ? ` of v${number}` : ''} in ${
    state.workspace.name
  } is in progress, started ${formatRelative(lease.acquiredAt, now)}.`;
}

/** A short form for small spaces: `Your deploy in progress`, `ana's rollback in progress`. */
export function leaseShortText(lease: Lease, me: string | undefined): string {
  const operation = parseLeaseOperation(lease.operation);
  const noun = NOUNS[operation.kind] ?? operation.kind;
  return `${whose(operation.actor, me)} ${noun} in progress`;
}
