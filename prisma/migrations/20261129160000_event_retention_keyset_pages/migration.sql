-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "eventsPrunedThrough" BIGINT;

-- CreateIndex
CREATE INDEX "Run_queuedAt_id_idx" ON "Run"("queuedAt", "id");

-- CreateIndex
CREATE INDEX "Sweep_createdAt_id_idx" ON "Sweep"("createdAt", "id");
