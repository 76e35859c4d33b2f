import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';

/**
 * socket.io with the same origin list as REST CORS. A browser page from
 * another origin could otherwise open the socket with the user's cookie (CORS
 * does not cover WebSocket upgrades), so `allowRequest` refuses any handshake
 * whose Origin is not listed; clients that send no Origin (the CLI, scripts)
 * authenticate with a key like any other.
 */
export class StreamIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly allowedOrigins: string[],
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const allowed = new Set(this.allowedOrigins);
    return super.createIOServer(port, {
      ...(options as ServerOptions),
      cors: { origin: this.allowedOrigins, credentials: true },
      allowRequest: (request, callback) => {
        const origin = request.headers.origin;
        const ok = origin === undefined || allowed.has(origin);
        callback(ok ? null : `origin ${origin} is not allowed`, ok);
      },
    });
  }
}
