import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { PrismaClient } from '../generated/prisma/client.js';
import { withTeamScope } from '../identity/scoped-prisma.js';

/**
 * The one Prisma client of the process; the driver adapter keeps it free of
 * native engines. What services receive is the client with the team-scope
 * extension, so no query made for a request can reach past the caller's teams.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super({ adapter: new PrismaPg({ connectionString: config.databaseUrl }) });
    // Prisma's $extends returns a new client; returning it from the constructor makes it the provider.
    // biome-ignore lint/correctness/noConstructorReturn: the extended client is the service (see above)
    return withTeamScope(this) as unknown as PrismaService;
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}
