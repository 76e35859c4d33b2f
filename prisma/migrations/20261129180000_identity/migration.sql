-- Identity (issue 8): users, sessions, API keys, team roles, worker credentials,
-- share links and the audit log; the team copied onto experiments, sweeps and
-- runs so the access layer filters every table by one indexed column.

-- CreateEnum
CREATE TYPE "TeamRole" AS ENUM ('owner', 'admin', 'member', 'viewer');

-- CreateEnum
CREATE TYPE "ShareKind" AS ENUM ('run', 'sweep', 'comparison');

-- CreateTable
CREATE TABLE "User" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "email" VARCHAR(254) NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "instanceAdmin" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateTable
CREATE TABLE "Membership" (
    "teamId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "role" "TeamRole" NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Membership_pkey" PRIMARY KEY ("teamId","userId")
);
CREATE INDEX "Membership_userId_idx" ON "Membership"("userId");
ALTER TABLE "Membership" ADD CONSTRAINT "Membership_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Membership" ADD CONSTRAINT "Membership_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "Session" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "userId" UUID NOT NULL,
    "tokenHash" VARCHAR(64) NOT NULL,
    "prefix" VARCHAR(16) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "lastSeenAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMPTZ(3),
    "userAgent" VARCHAR(300),
    "address" VARCHAR(64),
    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Session_tokenHash_key" ON "Session"("tokenHash");
CREATE INDEX "Session_userId_idx" ON "Session"("userId");
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "userId" UUID NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "tokenHash" VARCHAR(64) NOT NULL,
    "prefix" VARCHAR(16) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3),
    "lastUsedAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),
    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "ApiKey_tokenHash_key" ON "ApiKey"("tokenHash");
CREATE INDEX "ApiKey_userId_idx" ON "ApiKey"("userId");
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "EnrolmentToken" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "teamId" UUID,
    "tokenHash" VARCHAR(64) NOT NULL,
    "createdById" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "usedAt" TIMESTAMPTZ(3),
    "workerId" UUID,
    CONSTRAINT "EnrolmentToken_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "EnrolmentToken_tokenHash_key" ON "EnrolmentToken"("tokenHash");

-- CreateTable
CREATE TABLE "ShareLink" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "teamId" UUID NOT NULL,
    "kind" "ShareKind" NOT NULL,
    "sweepId" UUID,
    "runIds" UUID[],
    "tokenHash" VARCHAR(64) NOT NULL,
    "prefix" VARCHAR(16) NOT NULL,
    "createdById" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),
    CONSTRAINT "ShareLink_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "ShareLink_tokenHash_key" ON "ShareLink"("tokenHash");
CREATE INDEX "ShareLink_teamId_idx" ON "ShareLink"("teamId");
ALTER TABLE "ShareLink" ADD CONSTRAINT "ShareLink_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "AuditEntry" (
    "id" BIGSERIAL NOT NULL,
    "teamId" UUID,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "action" VARCHAR(64) NOT NULL,
    "targetType" VARCHAR(32) NOT NULL,
    "targetId" VARCHAR(64),
    "actorUserId" UUID,
    "actorEmail" VARCHAR(254),
    "credentialKind" VARCHAR(32) NOT NULL,
    "credentialPrefix" VARCHAR(16) NOT NULL,
    "address" VARCHAR(64),
    "detail" JSONB NOT NULL DEFAULT '{}',
    CONSTRAINT "AuditEntry_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "AuditEntry_teamId_id_idx" ON "AuditEntry"("teamId", "id");
ALTER TABLE "AuditEntry" ADD CONSTRAINT "AuditEntry_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Workers: a team (null = shared), a hashed secret, revocation.
ALTER TABLE "Worker" ADD COLUMN "teamId" UUID,
                     ADD COLUMN "secretHash" VARCHAR(64),
                     ADD COLUMN "revokedAt" TIMESTAMPTZ(3);
CREATE UNIQUE INDEX "Worker_secretHash_key" ON "Worker"("secretHash");
ALTER TABLE "Worker" ADD CONSTRAINT "Worker_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;
-- Workers registered before credentials existed have no secret: they must enrol. Their
-- rows stay (runs reference them) but can never authenticate.

-- The team, copied down from the project, filled for existing rows.
ALTER TABLE "Experiment" ADD COLUMN "teamId" UUID;
UPDATE "Experiment" e SET "teamId" = p."teamId" FROM "Project" p WHERE p."id" = e."projectId";
ALTER TABLE "Experiment" ALTER COLUMN "teamId" SET NOT NULL;
CREATE INDEX "Experiment_teamId_idx" ON "Experiment"("teamId");

ALTER TABLE "Sweep" ADD COLUMN "teamId" UUID;
UPDATE "Sweep" s SET "teamId" = e."teamId" FROM "Experiment" e WHERE e."id" = s."experimentId";
ALTER TABLE "Sweep" ALTER COLUMN "teamId" SET NOT NULL;
CREATE INDEX "Sweep_teamId_idx" ON "Sweep"("teamId");

ALTER TABLE "Run" ADD COLUMN "teamId" UUID;
UPDATE "Run" r SET "teamId" = e."teamId" FROM "Experiment" e WHERE e."id" = r."experimentId";
ALTER TABLE "Run" ALTER COLUMN "teamId" SET NOT NULL;
CREATE INDEX "Run_teamId_idx" ON "Run"("teamId");
