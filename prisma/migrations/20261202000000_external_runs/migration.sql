-- External runs (issue 12): runs logged by the SDK, MLflow's tracking API or a TensorBoard import. They have no
-- RunConfig, so no arch or depth; their params, tags and generic metric history get tables of their own.
ALTER TYPE "RunKind" ADD VALUE 'external';

CREATE TYPE "ExternalSource" AS ENUM ('sdk', 'mlflow', 'tensorboard');

ALTER TABLE "Run" ALTER COLUMN "arch" DROP NOT NULL,
  ALTER COLUMN "depth" DROP NOT NULL,
  ADD COLUMN "source" "ExternalSource",
  ADD COLUMN "classNames" JSONB;

CREATE TABLE "RunParam" (
  "runId" UUID NOT NULL,
  "key" VARCHAR(250) NOT NULL,
  "value" TEXT NOT NULL,
  CONSTRAINT "RunParam_pkey" PRIMARY KEY ("runId", "key")
);

CREATE TABLE "RunTag" (
  "runId" UUID NOT NULL,
  "key" VARCHAR(250) NOT NULL,
  "value" TEXT NOT NULL,
  CONSTRAINT "RunTag_pkey" PRIMARY KEY ("runId", "key")
);

CREATE TABLE "MetricPoint" (
  "id" BIGSERIAL NOT NULL,
  "runId" UUID NOT NULL,
  "key" VARCHAR(250) NOT NULL,
  "step" BIGINT NOT NULL,
  "timestamp" BIGINT NOT NULL,
  "value" DOUBLE PRECISION NOT NULL,
  CONSTRAINT "MetricPoint_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "MetricPoint_runId_key_step_timestamp_value_key" ON "MetricPoint"("runId", "key", "step", "timestamp", "value");

ALTER TABLE "RunParam" ADD CONSTRAINT "RunParam_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "RunTag" ADD CONSTRAINT "RunTag_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "MetricPoint" ADD CONSTRAINT "MetricPoint_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
