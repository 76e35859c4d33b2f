-- CreateEnum
CREATE TYPE "ArtifactKind" AS ENUM ('checkpoint', 'weights', 'log');

-- AlterTable
ALTER TABLE "EpochMetric" ADD COLUMN     "confusion" JSONB,
ADD COLUMN     "top5" DOUBLE PRECISION,
ADD COLUMN     "weightedF1" DOUBLE PRECISION,
ADD COLUMN     "weightedPrecision" DOUBLE PRECISION,
ADD COLUMN     "weightedRecall" DOUBLE PRECISION;

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "cancelRequestedAt" TIMESTAMPTZ(3),
ADD COLUMN     "leaseExpiresAt" TIMESTAMPTZ(3),
ADD COLUMN     "maxAttempts" INTEGER NOT NULL DEFAULT 3,
ADD COLUMN     "params" JSONB,
ADD COLUMN     "priority" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "sweepId" UUID;

-- AlterTable
ALTER TABLE "Worker" ADD COLUMN     "draining" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "Sweep" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "experimentId" UUID NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "spec" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Sweep_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GradFlow" (
    "id" BIGSERIAL NOT NULL,
    "runId" UUID NOT NULL,
    "epoch" INTEGER NOT NULL,
    "block" VARCHAR(100) NOT NULL,
    "blockIndex" INTEGER NOT NULL,
    "paramGradNorm" DOUBLE PRECISION NOT NULL,
    "inputGradNorm" DOUBLE PRECISION NOT NULL,
    "activationNorm" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "GradFlow_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Artifact" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "runId" UUID NOT NULL,
    "kind" "ArtifactKind" NOT NULL,
    "path" TEXT NOT NULL,
    "sizeBytes" BIGINT NOT NULL,
    "sha256" VARCHAR(64) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Artifact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RunEvent" (
    "id" BIGSERIAL NOT NULL,
    "runId" UUID NOT NULL,
    "sweepId" UUID,
    "type" VARCHAR(32) NOT NULL,
    "payload" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RunEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Sweep_experimentId_idx" ON "Sweep"("experimentId");

-- CreateIndex
CREATE UNIQUE INDEX "GradFlow_runId_epoch_block_key" ON "GradFlow"("runId", "epoch", "block");

-- CreateIndex
CREATE UNIQUE INDEX "Artifact_runId_path_key" ON "Artifact"("runId", "path");

-- CreateIndex
CREATE INDEX "RunEvent_runId_id_idx" ON "RunEvent"("runId", "id");

-- CreateIndex
CREATE INDEX "RunEvent_sweepId_id_idx" ON "RunEvent"("sweepId", "id");

-- CreateIndex
CREATE INDEX "Run_sweepId_idx" ON "Run"("sweepId");

-- AddForeignKey
ALTER TABLE "Sweep" ADD CONSTRAINT "Sweep_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_sweepId_fkey" FOREIGN KEY ("sweepId") REFERENCES "Sweep"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GradFlow" ADD CONSTRAINT "GradFlow_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Artifact" ADD CONSTRAINT "Artifact_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunEvent" ADD CONSTRAINT "RunEvent_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
