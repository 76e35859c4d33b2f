import { Module, type OnApplicationBootstrap } from '@nestjs/common';
import { AccountsService } from './accounts.service.js';
import { AuthController } from './auth.controller.js';
import { KeysController } from './keys.controller.js';
import { LoginLimiter } from './login-limiter.js';
import { UsersController } from './users.controller.js';

@Module({
  controllers: [AuthController, UsersController, KeysController],
  providers: [AccountsService, LoginLimiter],
})
export class AccountsModule implements OnApplicationBootstrap {
  constructor(private readonly accounts: AccountsService) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.accounts.bootstrap();
  }
}
