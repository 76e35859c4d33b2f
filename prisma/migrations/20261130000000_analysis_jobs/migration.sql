-- Analysis jobs (issue 11): an Analysis of a finished run is done by jobs that are Runs of kind 'analysis',
-- one per chunk, so they are queued, leased, fenced, cancelled and resumed by the same code as training.

CREATE TYPE "RunKind" AS ENUM ('train', 'analysis');
CREATE TYPE "AnalysisKind" AS ENUM ('lesion', 'landscape', 'curvature', 'cost');

CREATE TABLE "Analysis" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "teamId" UUID NOT NULL,
    "runId" UUID NOT NULL,
    "kind" "AnalysisKind" NOT NULL,
    "params" JSONB NOT NULL,
    "paramsKey" VARCHAR(64) NOT NULL,
    "chunks" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Analysis_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Analysis_runId_kind_paramsKey_key" ON "Analysis"("runId", "kind", "paramsKey");
CREATE INDEX "Analysis_teamId_idx" ON "Analysis"("teamId");
ALTER TABLE "Analysis" ADD CONSTRAINT "Analysis_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "Run" ADD COLUMN "kind" "RunKind" NOT NULL DEFAULT 'train';
ALTER TABLE "Run" ADD COLUMN "analysisId" UUID;
ALTER TABLE "Run" ADD COLUMN "analysisChunk" INTEGER;
ALTER TABLE "Run" ADD COLUMN "analysisDone" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "Run" ADD COLUMN "analysisUnits" INTEGER;
CREATE INDEX "Run_analysisId_idx" ON "Run"("analysisId");
ALTER TABLE "Run" ADD CONSTRAINT "Run_analysisId_fkey" FOREIGN KEY ("analysisId") REFERENCES "Analysis"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "AnalysisPart" (
    "id" BIGSERIAL NOT NULL,
    "analysisId" UUID NOT NULL,
    "part" VARCHAR(100) NOT NULL,
    "chunk" INTEGER NOT NULL,
    "data" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AnalysisPart_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "AnalysisPart_analysisId_part_key" ON "AnalysisPart"("analysisId", "part");
ALTER TABLE "AnalysisPart" ADD CONSTRAINT "AnalysisPart_analysisId_fkey" FOREIGN KEY ("analysisId") REFERENCES "Analysis"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "EpochCurvature" (
    "id" BIGSERIAL NOT NULL,
    "runId" UUID NOT NULL,
    "epoch" INTEGER NOT NULL,
    "topEigenvalue" DOUBLE PRECISION NOT NULL,
    "trace" DOUBLE PRECISION NOT NULL,
    "traceStd" DOUBLE PRECISION NOT NULL,
    "images" INTEGER NOT NULL,
    "iterations" INTEGER NOT NULL,
    "converged" BOOLEAN NOT NULL,
    "probes" INTEGER NOT NULL,
    CONSTRAINT "EpochCurvature_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "EpochCurvature_runId_epoch_key" ON "EpochCurvature"("runId", "epoch");
ALTER TABLE "EpochCurvature" ADD CONSTRAINT "EpochCurvature_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "RunEvent" ADD COLUMN "analysisId" UUID;
CREATE INDEX "RunEvent_analysisId_id_idx" ON "RunEvent"("analysisId", "id");
