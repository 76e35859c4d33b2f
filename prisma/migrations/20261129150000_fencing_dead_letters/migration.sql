-- Fencing: a worker's event batches carry (attempt, seq); the run keeps the highest seq stored for its
-- current attempt, so a resent batch is acknowledged without a second copy in the event log.
ALTER TABLE "Run" ADD COLUMN "deliveredSeq" INTEGER NOT NULL DEFAULT 0;

-- What a worker's outbox could not deliver (a 4xx that is not a fence), as the worker reports it.
ALTER TABLE "Worker" ADD COLUMN "deadLetterCount" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "Worker" ADD COLUMN "deadLetters" JSONB NOT NULL DEFAULT '[]';
