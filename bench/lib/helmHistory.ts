import { gunzipSync, gzipSync } from 'node:zlib';
import { ensureNamespace, kubeApi, LocalCluster, runCommand } from './kube';

/*
 * A Helm release with N revisions, written the way Helm's Secret storage
 * driver writes them (helm.sh/helm/v3/pkg/storage/driver/secrets.go): one
 * Secret `sh.helm.release.v1.<name>.v<N>` per revision, type
 * `helm.sh/release.v1`, labels owner=helm, name, status, version (and the
 * timestamps Helm adds), `data.release` = base64(gzip(JSON release)).
 *
 * `helm upgrade` N times would take hours, so Helm itself installs and
 * upgrades the chart once (revisions 1 and 2, real Secrets), and every other
 * revision is a copy of Helm's own revision 2 with its number, status,
 * timestamps, values and manifest (image tag, version label) changed.
 */

const SECRET_TYPE = 'helm.sh/release.v1';

function decodeRelease(secret: any): any {
  const stored = Buffer.from(secret.data.release, 'base64').toString('utf8');
  return JSON.parse(gunzipSync(Buffer.from(stored, 'base64')).toString('utf8'));
}

function encodeRelease(release: unknown): string {
  const inner = gzipSync(Buffer.from(JSON.stringify(release), 'utf8'), { level: 9 }).toString('base64');
  return Buffer.from(inner, 'utf8').toString('base64');
}

const selector = (release: string) => encodeURIComponent(`owner=helm,name=${release}`);
const secretName = (release: string, n: number) => `sh.helm.release.v1.${release}.v${n}`;

/** The revision numbers stored for `release`, from the Secrets' metadata only. */
export async function storedRevisions(cluster: LocalCluster, namespace: string, release: string): Promise<number[]> {
  const list = await kubeApi(cluster, `/api/v1/namespaces/${namespace}/secrets?labelSelector=${selector(release)}`, {
    accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1',
  });
  return (list?.items ?? []).map((item: any) => Number(item.metadata.labels.version)).sort((a: number, b: number) => a - b);
}

async function inParallel<T>(items: T[], concurrency: number, run: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++];
        await run(item);
      }
    }),
  );
}

export interface HelmHistoryRelease {
  namespace: string;
  release: string;
  revisions: number;
  reused: boolean;
  setupSeconds: number;
  releaseJsonBytes: number;
  secretBytes: number;
}

/** Makes sure `release` in `namespace` has exactly `revisions` revisions, the last one deployed. */
export async function prepareHelmHistory(options: {
  cluster: LocalCluster;
  helm: string;
  chart: string;
  namespace: string;
  release: string;
  revisions: number;
  log: (message: string) => void;
}): Promise<HelmHistoryRelease> {
  const { cluster, helm, chart, namespace, release, revisions, log } = options;
  const started = Date.now();
  const kubeArgs = ['--kubeconfig', cluster.kubeconfig, '--namespace', namespace];
  await ensureNamespace(cluster, namespace);

  const stored = await storedRevisions(cluster, namespace, release);
  const existing = stored.length;
  const last = await kubeApi(cluster, `/api/v1/namespaces/${namespace}/secrets/${secretName(release, revisions)}`);
  if (existing === revisions && stored.every((n, i) => n === i + 1) && last?.metadata?.labels?.status === 'deployed') {
    const sample = decodeRelease(last);
    return {
      namespace,
      release,
      revisions,
      reused: true,
      setupSeconds: (Date.now() - started) / 1000,
      releaseJsonBytes: JSON.stringify(sample).length,
      secretBytes: last.data.release.length,
    };
  }

  log(`writing ${revisions} Helm revisions of ${release} in ${namespace} (found ${existing}) …`);
  await kubeApi(cluster, `/api/v1/namespaces/${namespace}/secrets?labelSelector=${selector(release)}`, {
    method: 'DELETE',
  });
  await runCommand(helm, ['uninstall', release, ...kubeArgs, '--ignore-not-found'], { check: false });
  await runCommand(helm, ['install', release, chart, ...kubeArgs, '--set', 'image.tag=1.0.1']);
  await runCommand(helm, ['upgrade', release, chart, ...kubeArgs, '--set', 'image.tag=1.0.2']);

  const first = await kubeApi(cluster, `/api/v1/namespaces/${namespace}/secrets/${secretName(release, 1)}`);
  const second = await kubeApi(cluster, `/api/v1/namespaces/${namespace}/secrets/${secretName(release, 2)}`);
  const template = decodeRelease(second);
  if (decodeRelease(first).info.status !== 'superseded' || template.info.status !== 'deployed') {
    throw new Error('Helm did not write revisions 1 (superseded) and 2 (deployed) as expected');
  }
  if (!template.manifest.includes(':1.0.2"') || !template.manifest.includes('shipyard/version: "2"')) {
    throw new Error('revision 2 manifest does not carry the image tag and version label the generator rewrites');
  }
  const firstDeployed = Date.parse(template.info.first_deployed);

  const secretFor = (n: number) => {
    const status = n === revisions ? 'deployed' : 'superseded';
    const at = new Date(firstDeployed + n * 60_000);
    const copy = JSON.parse(JSON.stringify(template));
    copy.version = n;
    copy.info.status = status;
    copy.info.last_deployed = at.toISOString();
    copy.info.description = 'Upgrade complete';
    copy.config = { image: { tag: `1.0.${n}` } };
    copy.manifest = template.manifest
      .split(':1.0.2"')
      .join(`:1.0.${n}"`)
      .split('shipyard/version: "2"')
      .join(`shipyard/version: "${n}"`);
    const labels: Record<string, string> = { ...second.metadata.labels, version: String(n), status };
    if (labels.modifiedAt) labels.modifiedAt = String(Math.floor(at.getTime() / 1000));
    if (labels.createdAt) labels.createdAt = String(Math.floor(at.getTime() / 1000));
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: secretName(release, n), namespace, labels },
      type: SECRET_TYPE,
      data: { release: encodeRelease(copy) },
    };
  };

  const numbers = Array.from({ length: revisions - 2 }, (_, i) => i + 3);
  let written = 0;
  await inParallel(numbers, 16, async n => {
    await kubeApi(cluster, `/api/v1/namespaces/${namespace}/secrets`, { method: 'POST', body: secretFor(n) });
    written++;
    if (written % 2000 === 0) log(`  ${written} of ${numbers.length} revisions written`);
  });
  // Revision 2 was deployed; now it is one of the superseded ones.
  const superseded = secretFor(2);
  superseded.metadata = { ...superseded.metadata, resourceVersion: second.metadata.resourceVersion } as any;
  await kubeApi(cluster, `/api/v1/namespaces/${namespace}/secrets/${secretName(release, 2)}`, {
    method: 'PUT',
    body: superseded,
  });

  const sample = secretFor(revisions);
  return {
    namespace,
    release,
    revisions,
    reused: false,
    setupSeconds: (Date.now() - started) / 1000,
    releaseJsonBytes: JSON.stringify(decodeRelease(sample)).length,
    secretBytes: sample.data.release.length,
  };
}

/** Checks with Helm itself that it reads the generated history: the last page, and an old revision's values. */
export async function verifyHelmHistory(options: {
  cluster: LocalCluster;
  helm: string;
  namespace: string;
  release: string;
  revisions: number;
}) {
  const { cluster, helm, namespace, release, revisions } = options;
  const kubeArgs = ['--kubeconfig', cluster.kubeconfig, '--namespace', namespace];
  const history = JSON.parse(
    (await runCommand(helm, ['history', release, ...kubeArgs, '--max', '50', '-o', 'json'])).stdout,
  );
  const numbers = history.map((h: any) => h.revision);
  const expected = Array.from({ length: 50 }, (_, i) => revisions - 49 + i);
  if (JSON.stringify(numbers) !== JSON.stringify(expected)) {
    throw new Error(`helm history shows revisions ${numbers[0]}..${numbers[numbers.length - 1]}, expected ${expected[0]}..${revisions}`);
  }
  if (history[49].status !== 'deployed' || history[0].status !== 'superseded') {
    throw new Error(`helm history statuses: ${history[0].status} … ${history[49].status}`);
  }
  const probe = Math.floor(revisions / 2);
  const values = JSON.parse(
    (await runCommand(helm, ['get', 'values', release, ...kubeArgs, '--revision', String(probe), '-o', 'json'])).stdout,
  );
  if (values?.image?.tag !== `1.0.${probe}`) {
    throw new Error(`helm get values --revision ${probe} gave ${JSON.stringify(values)}`);
  }
  const manifest = (await runCommand(helm, ['get', 'manifest', release, ...kubeArgs, '--revision', String(probe)])).stdout;
  if (!manifest.includes(`bench-app:1.0.${probe}"`)) {
    throw new Error(`helm get manifest --revision ${probe} does not show image tag 1.0.${probe}`);
  }
  return { lastPage: `${expected[0]}..${revisions}`, probedRevision: probe };
}
