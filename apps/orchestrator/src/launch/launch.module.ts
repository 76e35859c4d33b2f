import {
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { PrismaService } from '../database/prisma.service.js';
import { RunsModule } from '../runs/runs.module.js';
import { RunsService } from '../runs/runs.service.js';
import { WorkersModule } from '../workers/workers.module.js';
import { WorkersService } from '../workers/workers.service.js';
import type { KubernetesJobLauncher } from './kubernetes-job-launcher.js';
import type { KubernetesJobWatcher } from './kubernetes-job-watcher.js';
import { PullLauncher } from './pull-launcher.js';
import { RUN_LAUNCHER, type RunLauncher } from './run-launcher.js';

/**
 * A Job's pod may wait for a GPU node for a long while before its worker enrols: its tokens last a week, and each
 * is used once.
 */
const JOB_TOKEN_MINUTES = 7 * 24 * 60;

/**
 * Loaded only in Kubernetes mode. The project pins @kubernetes/client-node 1.4.0: its 2.x stands on undici 8, which
 * needs Node >= 22.19 and fails to import on the Node 20 that ResLab runs on; should the client not load, this says
 * which and why instead of undici's TypeError.
 */
async function loadKubernetesClient() {
  try {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const { KubernetesJobLauncher } = await import('./kubernetes-job-launcher.js');
    return { KubeConfig, KubernetesJobLauncher };
  } catch (error) {
    throw new Error(
      `RESLAB_LAUNCHER=kubernetes: @kubernetes/client-node did not load on Node ${process.version} ` +
        `(ResLab pins 1.4.0; 2.x needs Node >= 22.19): ${(error as Error).message}`,
    );
  }
}

/** Starts the Kubernetes watcher when the launcher is Kubernetes'; the pull launcher needs nothing running. */
@Injectable()
class LauncherLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  private watcher: KubernetesJobWatcher | null = null;

  constructor(
    @Inject(RUN_LAUNCHER) private readonly launcher: RunLauncher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly prisma: PrismaService,
    private readonly runs: RunsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { launcher } = this.config;
    if (launcher.kind !== 'kubernetes') return;
    const { KubernetesJobWatcher } = await import('./kubernetes-job-watcher.js');
    const jobs = this.launcher as KubernetesJobLauncher;
    this.watcher = new KubernetesJobWatcher(jobs.kubeConfig, jobs, this.prisma, this.runs, launcher.resyncMs);
    await this.watcher.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.watcher?.stop();
  }
}

/**
 * RESLAB_LAUNCHER: `pull` (default) or `kubernetes` (docs/kubernetes.md). The Kubernetes client is loaded only for
 * `kubernetes`, so a pull-model orchestrator never loads it.
 */
@Module({})
export class LaunchModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: LaunchModule,
      imports: [RunsModule, WorkersModule],
      providers: [
        {
          provide: RUN_LAUNCHER,
          inject: [WorkersService],
          useFactory: async (workers: WorkersService): Promise<RunLauncher> => {
            const launcher = config.launcher;
            if (launcher.kind === 'pull') return new PullLauncher();
            const { KubeConfig, KubernetesJobLauncher } = await loadKubernetesClient();
            const kubeConfig = new KubeConfig();
            // In a cluster, the pod's service account; elsewhere $KUBECONFIG or ~/.kube/config.
            kubeConfig.loadFromDefault();
            return new KubernetesJobLauncher(kubeConfig, launcher, async (teamId, count) => {
              const tokens: string[] = [];
              for (let i = 0; i < count; i++) {
                tokens.push((await workers.issueEnrolmentToken(teamId, null, JOB_TOKEN_MINUTES)).token);
              }
              return tokens;
            });
          },
        },
        LauncherLifecycle,
      ],
      exports: [RUN_LAUNCHER],
    };
  }
}
