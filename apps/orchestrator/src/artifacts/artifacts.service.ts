import { Inject, Injectable } from '@nestjs/common';
import type { ArtifactDto, RegisterArtifactRequest } from '@reslab/contracts';
import { conflict, notFound } from '../common/api-errors.js';
import { PrismaService } from '../database/prisma.service.js';
import type { Artifact } from '../generated/prisma/client.js';
import { logger } from '../logger.js';
import { lockHeldRun } from '../runs/run-fence.js';
import { ARTIFACT_STORE, ArtifactMismatchError, type ArtifactStore, type StoredFile } from './artifact-store.js';

export function toArtifactDto(a: Artifact): ArtifactDto {
  return {
    id: a.id,
    runId: a.runId,
    kind: a.kind,
    path: a.path,
    sizeBytes: Number(a.sizeBytes),
    sha256: a.sha256,
    createdAt: a.createdAt.toISOString(),
  };
}

@Injectable()
export class ArtifactsService {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
  ) {}

  /** The worker wrote the file into the store; this records it (a rewrite updates the row). */
  async register(runId: string, request: RegisterArtifactRequest): Promise<Artifact> {
    const values = { kind: request.kind, sizeBytes: BigInt(request.sizeBytes), sha256: request.sha256 };
    return this.prisma.$transaction(async (tx) => {
      await lockHeldRun(tx, runId, request);
      return tx.artifact.upsert({
        where: { runId_path: { runId, path: request.path } },
        create: { runId, path: request.path, ...values },
        update: { ...values, createdAt: new Date() },
      });
    });
  }

  list(runId: string): Promise<Artifact[]> {
    return this.prisma.artifact.findMany({ where: { runId }, orderBy: { path: 'asc' } });
  }

  async download(id: string) {
    const artifact = await this.prisma.artifact.findUnique({ where: { id } });
    if (!artifact) throw notFound(`artifact ${id}`);
    let file: StoredFile | null;
    try {
      file = await this.store.open({
        path: artifact.path,
        sizeBytes: Number(artifact.sizeBytes),
        sha256: artifact.sha256,
      });
    } catch (error) {
      if (!(error instanceof ArtifactMismatchError)) throw error;
      logger.warn(
        { runId: artifact.runId, artifactId: id, err: error.message },
        'artifact in the store is not the registered file',
      );
      throw conflict(`artifact ${id}: the store's copy is not the registered file (${error.message})`);
    }
    if (!file) throw notFound(`artifact ${id}`, `is registered but ${this.store.location} holds no ${artifact.path}`);
    return { artifact, ...file };
  }
}
