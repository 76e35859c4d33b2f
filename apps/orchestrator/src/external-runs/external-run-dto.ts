import type { ExternalRunDto, ExternalSource, MetricSummary } from '@reslab/contracts';
import type { Prisma } from '../generated/prisma/client.js';

/** What toExternalRunDto reads of a run besides its own columns: project, experiment, params and tags. */
export const EXTERNAL_RUN_DETAIL = {
  experiment: { select: { name: true, project: { select: { slug: true, team: { select: { slug: true } } } } } },
  loggedParams: { select: { key: true, value: true }, orderBy: { key: 'asc' } },
  tags: { select: { key: true, value: true }, orderBy: { key: 'asc' } },
} as const satisfies Prisma.RunInclude;

export type ExternalRunRow = Prisma.RunGetPayload<{ include: typeof EXTERNAL_RUN_DETAIL }>;

type ExternalStatus = ExternalRunDto['status'];
const isExternalStatus = (status: string): status is ExternalStatus =>
  status === 'running' || status === 'succeeded' || status === 'failed' || status === 'cancelled';

export function toExternalRunDto(run: ExternalRunRow, metrics: MetricSummary[]): ExternalRunDto {
  // An external run is created running and only ever ended by POST /external-runs/:id/end.
  const status = isExternalStatus(run.status) ? run.status : 'running';
  return {
    id: run.id,
    experimentId: run.experimentId,
    project: `${run.experiment.project.team.slug}/${run.experiment.project.slug}`,
    experiment: run.experiment.name,
    name: run.name,
    source: (run.source ?? 'sdk') as ExternalSource,
    status,
    startedAt: (run.startedAt ?? run.queuedAt).toISOString(),
    finishedAt: run.finishedAt ? run.finishedAt.toISOString() : null,
    config: run.config as ExternalRunDto['config'],
    classNames: run.classNames as string[] | null,
    params: Object.fromEntries(run.loggedParams.map((p) => [p.key, p.value])),
    tags: Object.fromEntries(run.tags.map((t) => [t.key, t.value])),
    metrics,
  };
}
