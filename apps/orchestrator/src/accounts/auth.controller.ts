import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { LoginRequest, type LoginResponse, SESSION_COOKIE, type SessionDto, type WhoAmIDto } from '@reslab/contracts';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { Access } from '../identity/access-policy.js';
import { CurrentUser } from '../identity/current-principal.js';
import type { UserPrincipal } from '../identity/principal.js';
import { AccountsService } from './accounts.service.js';

const SessionId = new ZodValidationPipe(z.uuid(), 'id');

/** Sign-in for people: a session, held by the browser in an httpOnly cookie (or by a script, as a bearer token). */
@Controller('auth')
export class AuthController {
  constructor(private readonly accounts: AccountsService) {}

  @Access({ who: 'public' })
  @Post('login')
  @HttpCode(200)
  async login(
    @Body(new ZodValidationPipe(LoginRequest)) body: LoginRequest,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<LoginResponse> {
    let signedIn: Awaited<ReturnType<AccountsService['login']>>;
    try {
      signedIn = await this.accounts.login(body.email, body.password, {
        address: req.ip ?? 'unknown',
        userAgent: req.headers['user-agent'] ?? null,
      });
    } catch (error) {
      const retry = (error as { response?: { retryAfterSeconds?: number } }).response?.retryAfterSeconds;
      if (retry) res.setHeader('Retry-After', String(retry));
      throw error;
    }
    const { token, session, me } = signedIn;
    res.cookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: req.secure,
      path: '/',
      expires: session.expiresAt,
    });
    return { token, expiresAt: session.expiresAt.toISOString(), me };
  }

  @Access({ who: 'user' })
  @Post('logout')
  @HttpCode(204)
  async logout(@CurrentUser() user: UserPrincipal, @Res({ passthrough: true }) res: Response): Promise<void> {
    if (user.credential.kind === 'session') await this.accounts.revokeSession(user.credential.id);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
  }

  @Access({ who: 'user' })
  @Get('me')
  me(@CurrentUser() user: UserPrincipal): Promise<WhoAmIDto> {
    return this.accounts.whoAmI(user.userId, user.credential);
  }

  @Access({ who: 'user' })
  @Get('sessions')
  sessions(@CurrentUser() user: UserPrincipal): Promise<SessionDto[]> {
    return this.accounts.sessions(user);
  }

  @Access({ who: 'user', resource: 'session' })
  @Delete('sessions/:id')
  @HttpCode(204)
  async revokeSession(@Param('id', SessionId) id: string): Promise<void> {
    await this.accounts.revokeSession(id);
  }
}
