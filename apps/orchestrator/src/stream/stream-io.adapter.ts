import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/postgres-adapter';
import pg from 'pg';
import type { Server, ServerOptions } from 'socket.io';
import { logger } from '../logger.js';

/**
 * The two connections socket.io's Postgres adapter uses. It takes one pool and calls `connect()` once, for its
 * LISTEN connection, and `query()` for every INSERT, NOTIFY and SELECT; here each goes to a pool of its own:
 * - queries to a pool of one connection, so they run one after another in the order asked for (see below);
 * - the LISTEN connection to another pool of one. The adapter keeps it checked out and never hands it back, and
 *   listens for no 'error' on it: a database restart would throw the error out of the process, and the dead
 *   connection would hold the pool's place forever. So a failed LISTEN connection is logged and released here,
 *   and the adapter's own reconnection (on 'end') gets a fresh one.
 */
function adapterPools(databaseUrl: string): { pool: pg.Pool; close: () => Promise<void> } {
  const queries = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  const listening = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  for (const pool of [queries, listening]) {
    // An idle connection that drops must not crash the process either; the next query opens another.
    pool.on('error', (error) => logger.warn({ err: error.message }, 'stream adapter connection lost'));
  }
  listening.on('connect', (client) => {
    const release = (error: Error | true) => {
      try {
        (client as pg.PoolClient).release(error);
      } catch {
        // Released already (an 'error' and then an 'end', or the adapter's close()).
      }
    };
    client.on('error', (error) => {
      logger.warn({ err: error.message }, 'stream adapter lost its LISTEN connection; reconnecting');
      release(error);
    });
    client.on('end', () => release(true));
  });
  const pool = { connect: () => listening.connect(), query: queries.query.bind(queries) };
  return {
    pool: pool as unknown as pg.Pool,
    close: async () => {
      await Promise.all([queries.end(), listening.end()]);
    },
  };
}

/**
 * socket.io with the same origin list as REST CORS. A browser page from
 * another origin could otherwise open the socket with the user's cookie (CORS
 * does not cover WebSocket upgrades), so `allowRequest` refuses any handshake
 * whose Origin is not listed; clients that send no Origin (the CLI, scripts)
 * authenticate with a key like any other.
 *
 * Rooms span orchestrator replicas through socket.io's Postgres adapter: an emit to a room on one replica reaches
 * the sockets connected to every other, through the database they share (docs/replicas.md). No Redis.
 *
 * In order, which the adapter alone does not promise: it hands a message that fits in a NOTIFY (under 8,000 bytes)
 * to the other replicas at once, but a larger one only after they read its body back from socket_io_attachments,
 * so a small epoch_metric could overtake a large grad_flow logged before it; and its publishes run side by side on
 * the pool, so two NOTIFYs can commit out of order. So every message goes through the attachments table
 * (payloadThreshold 0), on a single connection for queries (adapterPools): each replica then
 * receives a room's events in the order they were logged. The cost is an INSERT per message sent and a SELECT per
 * message received (benchmarks/RESULTS.md, replicas).
 */
export class StreamIoAdapter extends IoAdapter {
  private readonly pools: ReturnType<typeof adapterPools>;

  constructor(
    app: INestApplicationContext,
    private readonly allowedOrigins: string[],
    databaseUrl: string,
  ) {
    super(app);
    this.pools = adapterPools(databaseUrl);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const allowed = new Set(this.allowedOrigins);
    const server = super.createIOServer(port, {
      ...(options as ServerOptions),
      cors: { origin: this.allowedOrigins, credentials: true },
      allowRequest: (request, callback) => {
        const origin = request.headers.origin;
        const ok = origin === undefined || allowed.has(origin);
        callback(ok ? null : `origin ${origin} is not allowed`, ok);
      },
    });
    server.adapter(
      createAdapter(this.pools.pool, {
        payloadThreshold: 0,
        errorHandler: (error) =>
          logger.warn({ err: error.message }, 'stream adapter: a message between replicas failed'),
      }),
    );
    return server;
  }

  /** After every server is closed (Nest calls this once, on app.close()). */
  override async dispose(): Promise<void> {
    await super.dispose();
    await this.pools.close();
  }
}
