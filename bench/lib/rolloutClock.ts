import { Agent, fetch as undiciFetch } from 'undici';
import { LocalCluster } from './kube';

/*
 * Watches one Deployment and remembers when each generation's rollout was
 * complete, by the rule `kubectl rollout status` uses. Timing a tool
 * against this clock splits its wall time into the rollout itself and the
 * tool's own overhead (apply round trips, poll intervals, process start).
 */

interface DeploymentView {
  metadata: { generation: number; resourceVersion: string };
  spec: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
  };
}

function complete(d: DeploymentView): boolean {
  const s = d.status ?? {};
  const desired = d.spec.replicas ?? 1;
  return (
    (s.observedGeneration ?? 0) >= d.metadata.generation &&
    (s.updatedReplicas ?? 0) >= desired &&
    (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) &&
    (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0)
  );
}

export class RolloutClock {
  /** generation → hrtime (ms) when its rollout was first seen complete. */
  private readonly completedAt = new Map<number, number>();
  private controller = new AbortController();
  private stopped = false;
  private resourceVersion?: string;

  constructor(
    private readonly cluster: LocalCluster,
    private readonly namespace: string,
    private readonly name: string,
  ) {}

  static now(): number {
    return Number(process.hrtime.bigint()) / 1e6;
  }

  start() {
    void this.loop();
    return this;
  }

  stop() {
    this.stopped = true;
    this.controller.abort();
  }

  /** When the rollout of `generation` was complete (hrtime ms), waiting briefly for the watch event. */
  async completion(generation: number, timeoutMs = 5000): Promise<number | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const at = this.completedAt.get(generation);
      if (at !== undefined) return at;
      await new Promise(r => setTimeout(r, 10));
    }
    return undefined;
  }

  private async loop() {
    const dispatcher = new Agent({ connect: { ca: Buffer.from(this.cluster.caData, 'base64').toString('utf8') } });
    while (!this.stopped) {
      try {
        const query = new URLSearchParams({
          watch: '1',
          fieldSelector: `metadata.name=${this.name}`,
          ...(this.resourceVersion ? { resourceVersion: this.resourceVersion } : {}),
        });
        const response = await undiciFetch(
          `${this.cluster.url}/apis/apps/v1/namespaces/${this.namespace}/deployments?${query}`,
          {
            headers: { Authorization: `Bearer ${this.cluster.token}` },
            dispatcher,
            signal: this.controller.signal,
          },
        );
        if (!response.ok || !response.body) throw new Error(`watch answered ${response.status}`);
        let buffer = '';
        const decoder = new TextDecoder();
        for await (const chunk of response.body as any as AsyncIterable<Uint8Array>) {
          const at = RolloutClock.now();
          buffer += decoder.decode(chunk, { stream: true });
          let newline: number;
          while ((newline = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, newline);
            buffer = buffer.slice(newline + 1);
            if (!line.trim()) continue;
            const event = JSON.parse(line);
            if (event.type === 'ERROR') {
              this.resourceVersion = undefined;
              continue;
            }
            const deployment = event.object as DeploymentView;
            this.resourceVersion = deployment.metadata.resourceVersion;
            const generation = deployment.metadata.generation;
            if (complete(deployment) && !this.completedAt.has(generation)) {
              this.completedAt.set(generation, at);
            }
          }
        }
      } catch (error) {
        if (this.stopped) break;
        await new Promise(r => setTimeout(r, 200));
      }
    }
    await dispatcher.close().catch(() => {});
  }
}
