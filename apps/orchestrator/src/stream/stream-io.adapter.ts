import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/postgres-adapter';
import pg from 'pg';
import type { Server, ServerOptions } from 'socket.io';
import { logger } from '../logger.js';

/**
 * Connections of the pool that carries socket.io's messages between replicas: the adapter holds one for LISTEN,
 * and every INSERT, NOTIFY and SELECT it makes runs on the other, one after another in the order asked for.
 */
const ADAPTER_POOL_SIZE = 2;

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
 * (payloadThreshold 0), on a pool with a single connection for queries (ADAPTER_POOL_SIZE): each replica then
 * receives a room's events in the order they were logged. The cost is an INSERT per message sent and a SELECT per
 * message received (benchmarks/RESULTS.md, replicas).
 */
export class StreamIoAdapter extends IoAdapter {
  private readonly pool: pg.Pool;

  constructor(
    app: INestApplicationContext,
    private readonly allowedOrigins: string[],
    databaseUrl: string,
  ) {
    super(app);
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: ADAPTER_POOL_SIZE });
    // An idle connection that drops (a database restart) must not crash the process; the adapter reconnects.
    this.pool.on('error', (error) => logger.warn({ err: error.message }, 'stream adapter connection lost'));
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
      createAdapter(this.pool, {
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
    await this.pool.end();
  }
}
