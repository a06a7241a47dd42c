import { LocalCluster } from './kube';
import { Report } from './report';

/** What every benchmark gets: the report, the prerequisites found, and the sizes of this run. */
export interface BenchContext {
  report: Report;
  log(message: string): void;
  /** The local cluster, or why there is none. */
  cluster?: LocalCluster;
  clusterMissing?: string;
  /** Path of the helm binary, or why there is none. */
  helm?: string;
  helmMissing?: string;
  /** Path of the kubectl binary the local cluster was built with. */
  kubectl: string;
  /** PostgreSQL connection string, or why there is none. */
  postgres?: string;
  postgresMissing?: string;
  /** Sizes; smaller with SHIPYARD_BENCH_QUICK=true for a smoke run. */
  sizes: {
    historyVersions: number;
    historySamples: number;
    helmHistoryRuns: number;
    deployIterations: number;
    planTypicalIterations: number;
    planLargeIterations: number;
    concurrentDeploys: number;
    mixedOperations: number;
    mixedServices: number;
    mixedClients: number;
  };
  chartDir: string;
}
