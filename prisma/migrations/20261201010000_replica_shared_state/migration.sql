-- State that several orchestrator replicas must share, in tables their libraries own (docs/replicas.md).

-- socket.io's Postgres adapter (apps/orchestrator/src/stream): the body of each message one replica sends the
-- others, read once by each through its NOTIFY and deleted by the adapter after 30 s. The adapter's own DDL,
-- with a primary key.
CREATE TABLE "socket_io_attachments" (
    "id" BIGSERIAL NOT NULL,
    "created_at" TIMESTAMPTZ(6) DEFAULT CURRENT_TIMESTAMP,
    "payload" BYTEA,

    CONSTRAINT "socket_io_attachments_pkey" PRIMARY KEY ("id")
);

-- rate-limiter-flexible's Postgres store (apps/orchestrator/src/accounts/login-limiter.ts): failed sign-ins per
-- account and per address, counted across replicas. `expire` is ms since the epoch; the library's DDL.
CREATE TABLE "login_limits" (
    "key" VARCHAR(255) NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,
    "expire" BIGINT,

    CONSTRAINT "login_limits_pkey" PRIMARY KEY ("key")
);
