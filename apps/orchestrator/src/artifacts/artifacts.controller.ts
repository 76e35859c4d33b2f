import { basename } from 'node:path';
import { Body, Controller, Get, Param, Post, StreamableFile } from '@nestjs/common';
import { type ArtifactDto, RegisterArtifactRequest } from '@reslab/contracts';
import { z } from 'zod';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { Access } from '../identity/access-policy.js';
import { ArtifactsService, toArtifactDto } from './artifacts.service.js';

const Id = new ZodValidationPipe(z.uuid(), 'id');

@Controller()
export class ArtifactsController {
  constructor(private readonly artifacts: ArtifactsService) {}

  @Access({ who: 'worker' })
  @Post('runs/:id/artifacts')
  async register(
    @Param('id', Id) runId: string,
    @Body(new ZodValidationPipe(RegisterArtifactRequest)) body: RegisterArtifactRequest,
  ): Promise<ArtifactDto> {
    return toArtifactDto(await this.artifacts.register(runId, body));
  }

  @Access({ who: 'user', resource: 'run', share: true })
  @Get('runs/:id/artifacts')
  async list(@Param('id', Id) runId: string): Promise<ArtifactDto[]> {
    return (await this.artifacts.list(runId)).map(toArtifactDto);
  }

  @Access({ who: 'user', resource: 'artifact', share: true })
  @Get('artifacts/:id/download')
  async download(@Param('id', Id) id: string): Promise<StreamableFile> {
    const { artifact, stream, sizeBytes } = await this.artifacts.download(id);
    return new StreamableFile(stream, {
      type: 'application/octet-stream',
      disposition: `attachment; filename="${basename(artifact.path)}"`,
      length: sizeBytes,
    });
  }
}
