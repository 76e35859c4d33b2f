import { Controller, Get } from '@nestjs/common';
import { PROTOCOL_VERSION } from '@reslab/contracts';
import { PrismaService } from './database/prisma.service.js';

@Controller('health')
export class HealthController {
  constructor(private readonly prisma: PrismaService) {}

  @Get()
  async health(): Promise<{ status: 'ok'; protocolVersion: number }> {
    await this.prisma.$queryRaw`SELECT 1`;
    return { status: 'ok', protocolVersion: PROTOCOL_VERSION };
  }
}
