import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { AppModule } from './app.module.js';
import { DatabaseUnavailableFilter } from './common/database-unavailable.filter.js';
import { ConfigError, loadAppConfig } from './config/app-config.js';
import { checkDatabase } from './database/database-check.js';
import { DatabaseHealthService } from './database/database-health.service.js';
import { logger } from './logger.js';

function die(message: string): never {
  console.error(`reslab-orchestrator: ${message}`);
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
  logger: ['error', 'warn'],
});
// Engine event batches exceed express's 100 kB default.
app.useBodyParser('json', { limit: '16mb' });
app.useWebSocketAdapter(new IoAdapter(app));
app.useGlobalFilters(new DatabaseUnavailableFilter(app.get(DatabaseHealthService), app.getHttpAdapter()));
app.enableShutdownHooks();
app.enableCors();
try {
  await app.listen(config.port, config.host);
} catch (error) {
  await app.close();
  die(`cannot listen on ${config.host}:${config.port} (${(error as Error).message}); set RESLAB_API_PORT`);
}
logger.info({ url: await app.getUrl() }, 'orchestrator listening');
