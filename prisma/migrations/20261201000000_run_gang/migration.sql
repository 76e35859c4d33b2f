-- A multi-node run's gang for its current attempt (libs/contracts RunGang): node ranks to workers, the rendezvous
-- address. Null for a run on one node.
ALTER TABLE "Run" ADD COLUMN "gang" JSONB;
