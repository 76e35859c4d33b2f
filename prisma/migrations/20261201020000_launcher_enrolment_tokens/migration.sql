-- The Kubernetes Job launcher mints the one-time enrolment token of each Job's worker itself: no user created it.
ALTER TABLE "EnrolmentToken" ALTER COLUMN "createdById" DROP NOT NULL;
