-- GET /runs at lab scale (issue 13): filters on the net's family and depth, and
-- sorting by a run's final validation metrics, each read from an indexed
-- column of "Run" instead of its JSON config or the EpochMetric table.

-- config.model.arch and config.model.depth, written by the orchestrator when it creates a run.
ALTER TABLE "Run" ADD COLUMN "arch" VARCHAR(32);
ALTER TABLE "Run" ADD COLUMN "depth" INTEGER;
UPDATE "Run" SET "arch" = "config"->'model'->>'arch', "depth" = ("config"->'model'->>'depth')::integer;
ALTER TABLE "Run" ALTER COLUMN "arch" SET NOT NULL;
ALTER TABLE "Run" ALTER COLUMN "depth" SET NOT NULL;

-- The val split of the highest epoch stored.
ALTER TABLE "Run" ADD COLUMN "finalValEpoch" INTEGER;
ALTER TABLE "Run" ADD COLUMN "finalValLoss" DOUBLE PRECISION;
ALTER TABLE "Run" ADD COLUMN "finalValAccuracy" DOUBLE PRECISION;
ALTER TABLE "Run" ADD COLUMN "finalValF1" DOUBLE PRECISION;
UPDATE "Run" r
   SET "finalValEpoch" = f.epoch, "finalValLoss" = f.loss, "finalValAccuracy" = f.accuracy, "finalValF1" = f.f1
  FROM (SELECT DISTINCT ON ("runId") "runId", epoch, loss, accuracy, f1
          FROM "EpochMetric" WHERE split = 'val' ORDER BY "runId", epoch DESC) f
 WHERE r.id = f."runId";

-- Kept by the database rather than by each writer (ingest, a resumed run's replay, a seeding script): a val
-- row at or above the stored epoch becomes the run's final one, whoever inserts or updates it.
CREATE FUNCTION run_final_val() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "Run"
     SET "finalValEpoch" = NEW.epoch, "finalValLoss" = NEW.loss, "finalValAccuracy" = NEW.accuracy,
         "finalValF1" = NEW.f1
   WHERE id = NEW."runId" AND ("finalValEpoch" IS NULL OR "finalValEpoch" <= NEW.epoch);
  RETURN NULL;
END $$;

CREATE TRIGGER run_final_val AFTER INSERT OR UPDATE ON "EpochMetric"
  FOR EACH ROW WHEN (NEW.split = 'val') EXECUTE FUNCTION run_final_val();

-- CreateIndex
CREATE INDEX "Run_arch_depth_idx" ON "Run"("arch", "depth");
CREATE INDEX "Run_finalValAccuracy_id_idx" ON "Run"("finalValAccuracy", "id");
CREATE INDEX "Run_finalValF1_id_idx" ON "Run"("finalValF1", "id");
CREATE INDEX "Run_finalValLoss_id_idx" ON "Run"("finalValLoss", "id");
