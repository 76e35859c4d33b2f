import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { DatabaseUnavailableFilter } from './common/database-unavailable.filter.js';
import { jsonBody } from './common/json-body.js';
import { ConfigError, loadAppConfig } from './config/app-config.js';
import { checkDatabase } from './database/database-check.js';
import { DatabaseHealthService } from './database/database-health.service.js';
import { openRequestScope } from './identity/request-scope.js';
import { logger } from './logger.js';
import { StreamIoAdapter } from './stream/stream-io.adapter.js';

/** One JSON line, like every other line the orchestrator prints (pino writes stdout synchronously, so it is out before exit). */
function die(message: string): never {
  logger.fatal(message);
  process.exit(1);
}

let config: ReturnType<typeof loadAppConfig>;
try {
  config = loadAppConfig();
} catch (error) {
  if (error instanceof ConfigError) die(error.message);
  throw error;
}
const problem = await checkDatabase(config.databaseUrl);
if (problem) die(problem);

const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
  // Held until useLogger below, so that Nest's bootstrap lines come out as JSON too, through our pino.
  bufferLogs: true,
  // Parsed below, with a limit per route.
  bodyParser: false,
});
app.useLogger(app.get(Logger));
app.disable('x-powered-by');
app.use(helmet());
app.use(jsonBody);
// After the body parser: its callbacks run in the socket's async context, which would drop the scope.
app.use(openRequestScope);
app.useWebSocketAdapter(new StreamIoAdapter(app, config.allowedOrigins, config.databaseUrl));
app.useGlobalFilters(new DatabaseUnavailableFilter(app.get(DatabaseHealthService), app.getHttpAdapter()));
app.enableShutdownHooks();
// Browsers may call the API only from the configured origins (the dashboard's by default), with its cookie.
app.enableCors({ origin: config.allowedOrigins, credentials: true });
try {
  await app.listen(config.port, config.host);
} catch (error) {
  await app.close();
  die(`cannot listen on ${config.host}:${config.port} (${(error as Error).message}); set RESLAB_API_PORT`);
}
logger.info({ url: await app.getUrl() }, 'orchestrator listening');
