import { ConfigReader } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { checkSpecForWorkspace, renderManifests } from '@shipyard/backstage-plugin-common';
import { WorkspaceRegistry } from './WorkspaceRegistry';

function registry(workspace: object, more: object[] = []) {
  return WorkspaceRegistry.fromConfig(
    new ConfigReader({
      shipyard: {
        workspaces: [{ name: 'prod', environment: 'prod', namespace: 'payments-prod', ...workspace }, ...more],
      },
    }),
  );
}

function podSpecIn(workspaceConfig: object) {
  const workspace = registry(workspaceConfig).get('prod');
  const [deployment] = renderManifests({
    entityRef: 'component:default/payments',
    name: 'payments',
    workspace,
    version: 1,
    spec: { image: 'nginx:1.27' },
  });
  return (deployment.spec as any).template.spec;
}

describe('WorkspaceRegistry', () => {
  it('reads a workspace with neither labelPolicy nor securityContext, so the defaults apply', () => {
    const prod = registry({}).get('prod');
    expect(prod).toMatchObject({ name: 'prod', environment: 'prod', tier: 2, namespace: 'payments-prod', protected: false });
    expect(prod.labelPolicy).toBeUndefined();
    expect(prod.securityContext).toBeUndefined();
    expect(podSpecIn({}).securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  });

  it('refuses a bad name, environment or a duplicate, naming the field', () => {
    expect(() => registry({ name: 'Prod' })).toThrow("shipyard.workspaces[0].name: 'Prod' must be a lowercase DNS label");
    expect(() => registry({ environment: 'qa' })).toThrow(/shipyard\.workspaces\[0\]\.environment: 'qa' is not one of/);
    expect(() => registry({}, [{ name: 'prod', environment: 'dev', namespace: 'x' }])).toThrow(/duplicate workspace name 'prod'/);
  });

  describe('labelPolicy', () => {
    it('reads allow and deny lists, which checkSpecForWorkspace then applies', () => {
      const prod = registry({ labelPolicy: { allow: ['k8s.io/', 'kubernetes.io/change-cause'], deny: ['acme.com/'] } }).get('prod');
      expect(prod.labelPolicy).toEqual({ allow: ['k8s.io/', 'kubernetes.io/change-cause'], deny: ['acme.com/'] });
      const spec = { image: 'nginx:1.27', labels: { 'k8s.io/gpu': 'a100' }, annotations: { 'kubernetes.io/change-cause': 'v2' } };
      expect(checkSpecForWorkspace(spec, prod)).toEqual(spec);
      expect(() => checkSpecForWorkspace({ image: 'nginx:1.27', labels: { 'team.acme.com/x': 'y' } }, prod)).toThrow(
        /labels\.team\.acme\.com\/x: uses the reserved prefix acme\.com\/, denied by the workspace's labelPolicy/,
      );
      expect(() => checkSpecForWorkspace(spec, registry({}).get('prod'))).toThrow(InputError);
    });

    it('refuses a malformed entry or an unknown field, naming it', () => {
      expect(() => registry({ labelPolicy: { allow: ['K8S.io/'] } })).toThrow(
        /^shipyard\.workspaces\[0\]\.labelPolicy\.allow\[0\]: 'K8S\.io\/' must be a DNS-1123 subdomain/,
      );
      expect(() => registry({ labelPolicy: { deny: ['a/b/c'] } })).toThrow(/labelPolicy\.deny\[0\]: 'a\/b\/c'/);
      expect(() => registry({ labelPolicy: { allowed: ['k8s.io/'] } })).toThrow(
        'shipyard.workspaces[0].labelPolicy.allowed: unknown field; labelPolicy has allow and deny',
      );
      expect(() => registry({ labelPolicy: { allow: 'k8s.io/' } })).toThrow(/labelPolicy\.allow/);
    });
  });

  describe('securityContext', () => {
    it("replaces the restricted defaults with the operator's pod and container contexts", () => {
      const pod = { runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } };
      const container = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };
      expect(registry({ securityContext: { pod, container } }).get('prod').securityContext).toEqual({ pod, container });
      const podSpec = podSpecIn({ securityContext: { pod, container } });
      expect(podSpec.securityContext).toEqual(pod);
      expect(podSpec.containers[0].securityContext).toEqual(container);
    });

    it('renders none where the operator gives an empty object: the documented off switch', () => {
      const podSpec = podSpecIn({ securityContext: { pod: {}, container: {} } });
      expect(podSpec).not.toHaveProperty('securityContext');
      expect(podSpec.containers[0]).not.toHaveProperty('securityContext');
    });

    it('keeps the default of a level the operator does not give', () => {
      const podSpec = podSpecIn({ securityContext: { pod: { runAsUser: 1000, runAsNonRoot: true } } });
      expect(podSpec.securityContext).toEqual({ runAsUser: 1000, runAsNonRoot: true });
      expect(podSpec.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    });

    it('refuses unknown levels, misspelt fields and non-objects, naming them', () => {
      expect(() => registry({ securityContext: { pods: {} } })).toThrow(
        'shipyard.workspaces[0].securityContext.pods: unknown field; securityContext has pod and container',
      );
      expect(() => registry({ securityContext: { pod: { runAsNonroot: true } } })).toThrow(
        /^shipyard\.workspaces\[0\]\.securityContext\.pod\.runAsNonroot: not a field of a Kubernetes PodSecurityContext/,
      );
      expect(() => registry({ securityContext: { container: { allowPrivilegeEscalaton: false } } })).toThrow(
        /securityContext\.container\.allowPrivilegeEscalaton: not a field of a Kubernetes SecurityContext/,
      );
      expect(() => registry({ securityContext: { container: [] } })).toThrow(
        /securityContext\.container: must be an object/,
      );
    });
  });

  describe('promotion policy', () => {
    it('reads approval, soakSeconds and freezes', () => {
      const prod = registry({
        approval: { required: 2 },
        soakSeconds: 600,
        freezes: [
          { name: 'year end', start: '2026-12-24T00:00:00+01:00', end: '2027-01-02T00:00:00Z' },
          { name: 'weekend', cron: '0 18 * * 5', duration: 'P2DT12H', timeZone: 'Europe/Berlin' },
        ],
      }).get('prod');
      expect(prod.approval).toEqual({ required: 2 });
      expect(prod.soakSeconds).toBe(600);
      expect(prod.freezes).toEqual([
        { name: 'year end', start: '2026-12-23T23:00:00.000Z', end: '2027-01-02T00:00:00.000Z' },
        { name: 'weekend', cron: '0 18 * * 5', duration: 'P2DT12H', timeZone: 'Europe/Berlin' },
      ]);
      const dev = registry({ approval: { required: 0 }, soakSeconds: 0, freezes: [] }).get('prod');
      expect([dev.approval, dev.soakSeconds, dev.freezes]).toEqual([undefined, undefined, undefined]);
    });

    it.each([
      [{ approval: { required: -1 } }, 'shipyard.workspaces[0].approval.required: must be a whole number'],
      [{ approval: { requires: 1 } }, 'shipyard.workspaces[0].approval.requires: unknown field'],
      [{ soakSeconds: 1.5 }, 'shipyard.workspaces[0].soakSeconds: must be a whole number of seconds'],
      [{ freezes: { name: 'x' } }, 'shipyard.workspaces[0].freezes: must be a list'],
      [{ freezes: [{ start: '2026-12-24', end: '2026-12-25' }] }, 'shipyard.workspaces[0].freezes[0].name: must be a non-empty string'],
      [{ freezes: [{ name: 'x', start: 'christmas', end: '2026-12-25' }] }, "freezes[0].start: 'christmas' is not an ISO 8601 date-time"],
      [{ freezes: [{ name: 'x', start: '2026-12-25', end: '2026-12-24' }] }, "freezes[0].end: '2026-12-24' must be after start"],
      [{ freezes: [{ name: 'x', cron: '0 18 * *', duration: 'PT1H' }] }, "freezes[0].cron: '0 18 * *' must have five fields"],
      [{ freezes: [{ name: 'x', cron: '0 25 * * *', duration: 'PT1H' }] }, "freezes[0].cron: '0 25 * * *' is not a cron expression"],
      [{ freezes: [{ name: 'x', cron: '0 18 * * 5', duration: '2h' }] }, "freezes[0].duration: '2h' must be a positive ISO 8601 duration"],
      [{ freezes: [{ name: 'x', cron: '0 18 * * 5', duration: 'PT1H', timeZone: 'Mars/Olympus' }] }, "freezes[0].timeZone: 'Mars/Olympus' is not an IANA time zone"],
      [{ freezes: [{ name: 'x', cron: '0 18 * * 5', duration: 'PT1H', start: '2026-12-24' }] }, 'freezes[0]: give either start and end, or cron and duration'],
      [{ freezes: [{ name: 'x', begin: '2026-12-24' }] }, 'freezes[0].begin: unknown field'],
      [
        { freezes: [{ name: 'x', start: '2026-12-24', end: '2026-12-25' }, { name: 'x', start: '2026-12-30', end: '2026-12-31' }] },
        "freezes[1].name: 'x' names two windows",
      ],
    ])('refuses %j, naming the field', (workspace, message) => {
      expect(() => registry(workspace)).toThrow(message);
    });
  });

  describe('expose', () => {
    it('reads an ingress class or a gateway', () => {
      expect(registry({ expose: { ingressClassName: 'nginx' } }).get('prod').expose).toEqual({ ingressClassName: 'nginx' });
      expect(registry({ expose: { gateway: { name: 'public', namespace: 'gateways' } } }).get('prod').expose).toEqual({
        gateway: { name: 'public', namespace: 'gateways' },
      });
      expect(registry({}).get('prod').expose).toBeUndefined();
    });

    it.each([
      [{ ingressClass: 'nginx' }, /shipyard\.workspaces\[0\]\.expose\.ingressClass: unknown field/],
      [{ ingressClassName: 'nginx', gateway: { name: 'public' } }, /expose: give ingressClassName or gateway, not both/],
      [{ gateway: { namespace: 'gateways' } }, /name/],
    ])('refuses %j naming the field', (expose, message) => {
      expect(() => registry({ expose })).toThrow(message);
    });
  });
});
