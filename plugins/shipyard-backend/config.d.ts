export interface Config {
  /** Shipyard: versioned deployments, rollback and promotion. */
  shipyard?: {
    /**
     * Environment tiers in promotion order, lowest first.
     * Defaults to dev, staging, prod.
     */
    environments?: string[];
    /**
     * The workspaces services deploy to: a cluster and a namespace each.
     * Without any, Shipyard starts and serves no workspaces.
     */
    workspaces?: Array<{
      /** Unique name, used in URLs and annotations, e.g. `dev`. */
      name: string;
      /** Shown instead of the name in the UI. */
      title?: string;
      /** One of `environments`. */
      environment: string;
      /**
       * A cluster name from `kubernetes.clusterLocatorMethods`. Without one,
       * versions are recorded but not applied.
       */
      cluster?: string;
      /** The Kubernetes namespace the service's objects are applied to. */
      namespace: string;
      /**
       * Deploys, rollbacks and promotions into a protected workspace also
       * need `shipyard.workspace.protected.update`.
       */
      protected?: boolean;
      /** Roll back to the last succeeded version when a rollout fails. */
      autoRollback?: boolean;
      /** Keep at most this many versions per service; unlimited when absent. */
      retention?: number;
      /** How long a rollout may make no progress before it fails. Default 120. */
      progressDeadlineSeconds?: number;
      /**
       * Label and annotation keys specs may use here, beyond the default
       * policy, which refuses `kubernetes.io/`, `k8s.io/` (with their
       * subdomains), `shipyard/` and `app.kubernetes.io/managed-by`. An entry
       * ending in `/` is a domain with its subdomains (`k8s.io/`); any other
       * is one exact key (`kubernetes.io/change-cause`). The most specific
       * entry decides; the workspace's beat the default's.
       */
      labelPolicy?: {
        /** Keys permitted although the default policy reserves them. */
        allow?: string[];
        /** Keys refused in addition to the default policy. */
        deny?: string[];
      };
      /**
       * Security contexts for the pods rendered here, set by the operator
       * (specs cannot). Each given level replaces Shipyard's restricted
       * default (pod: runAsNonRoot, seccompProfile RuntimeDefault; container:
       * allowPrivilegeEscalation false, capabilities drop ALL); `{}` renders
       * none at that level.
       */
      securityContext?: {
        /** A Kubernetes PodSecurityContext. */
        pod?: { [field: string]: any };
        /** A Kubernetes container SecurityContext. */
        container?: { [field: string]: any };
      };
      /**
       * How ports with `expose` are reached here: an Ingress of
       * `ingressClassName` (the cluster's default class when absent), or an
       * HTTPRoute attached to `gateway` (Gateway API).
       */
      expose?: {
        ingressClassName?: string;
        gateway?: { name: string; namespace?: string };
      };
      /**
       * Promotions into this workspace wait for this many approvals by users
       * holding `shipyard.promotion.approve`, never counting the requester.
       */
      approval?: {
        required: number;
      };
      /**
       * How long a version must have run `succeeded` in its workspace before
       * it may be promoted into this one, in seconds. Default 0.
       */
      soakSeconds?: number;
      /**
       * Windows in which deploys, promotions and automatic promotions into
       * this workspace are refused (rollbacks are not), unless a caller with
       * `shipyard.freeze.override` gives a reason. Either fixed, with `start`
       * and `end` (ISO 8601; without an offset, in `timeZone` or UTC), or
       * recurring, beginning at every time the five-field `cron` names in
       * `timeZone` (IANA, default UTC) and lasting `duration` (ISO 8601, e.g. PT12H).
       */
      freezes?: Array<{
        name: string;
        start?: string;
        end?: string;
        cron?: string;
        duration?: string;
        timeZone?: string;
      }>;
    }>;
    promotion?: {
      /** Installation-wide overrides of the default promotion rules (DESIGN §1). */
      rules?: {
        fields?: { [field: string]: 'source' | 'target' };
        env?: {
          newKeys?: 'needs-input' | 'copy-source';
          removedKeys?: 'remove' | 'retain';
          existingValues?: 'target' | 'source';
        };
        labels?: 'merge-source-wins' | 'merge-target-wins' | 'source' | 'target';
        annotations?: 'merge-source-wins' | 'merge-target-wins' | 'source' | 'target';
      };
    };
    approval?: {
      /**
       * When a promotion request that got its approvals runs: at once, as its
       * requester (`on-approval`, the default), or when the requester executes
       * it (`by-requester`, POST /promotion-requests/{id}/execute).
       */
      execute?: 'on-approval' | 'by-requester';
    };
    notifications?: {
      /**
       * Notify services' owners through @backstage/plugin-notifications-backend
       * (failed versions, automatic rollbacks and promotions, requests waiting
       * for approval). Default true; false when the notifications backend is
       * not installed, to save the failing sends.
       */
      enabled?: boolean;
    };
    /** The longest wait between two looks at a rollout being followed (the first look comes after 50 ms). Default 1000. */
    rolloutPollMilliseconds?: number;
    /**
     * How often rollouts and drift of every service are refreshed. Default
     * 300 while the clusters are watched (the refresh is then a safety net
     * for a missed event), 30 otherwise.
     */
    refreshIntervalSeconds?: number;
    watch?: {
      /**
       * Follow rollouts and drift with Kubernetes watches: one per cluster
       * namespace for all services, run by one backend replica at a time.
       * False polls the cluster per service instead. Default true.
       */
      enabled?: boolean;
      /** How long the replica running the watchers holds them without renewing; another takes over within about 1⅓ of it. Default 10. */
      leaseSeconds?: number;
      /** The timeoutSeconds of each watch request, which is also how soon a dead connection is noticed. Default 60. */
      timeoutSeconds?: number;
    };
    lease?: {
      /** How long a lease lives without renewal; a dead holder's lease expires after this. Default 30. */
      ttlSeconds?: number;
      /** How long a request waits for a busy (service, workspace) before 409. Default 20. */
      waitSeconds?: number;
    };
    autoPromotion?: {
      /**
       * Promote the step a service's `shipyard/auto-promote` names when a
       * version succeeds in its source. Default true.
       */
      enabled?: boolean;
      /** How long one replica's claim on an attempt lasts before another may take over from a dead one. Default 120. */
      claimSeconds?: number;
      /**
       * How often the safety net looks for attempts a dead replica left and
       * succeeded versions of the last day that were never promoted. Default 30.
       */
      scanIntervalSeconds?: number;
    };
  };
}
