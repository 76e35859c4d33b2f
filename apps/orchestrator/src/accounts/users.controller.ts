import { Body, Controller, Get, Post } from '@nestjs/common';
import { CreateUserRequest, type UserDto } from '@reslab/contracts';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { Access } from '../identity/access-policy.js';
import { AccountsService } from './accounts.service.js';

/** Accounts are made by an instance admin (there is no self sign-up); teams then add them by e-mail. */
@Controller('users')
export class UsersController {
  constructor(private readonly accounts: AccountsService) {}

  @Access({ who: 'instanceAdmin' })
  @Post()
  create(@Body(new ZodValidationPipe(CreateUserRequest)) body: CreateUserRequest): Promise<UserDto> {
    return this.accounts.createUser(body);
  }

  @Access({ who: 'instanceAdmin' })
  @Get()
  list(): Promise<UserDto[]> {
    return this.accounts.users();
  }
}
