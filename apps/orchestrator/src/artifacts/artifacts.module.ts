import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module.js';
import { ArtifactsController } from './artifacts.controller.js';
import { ArtifactsService } from './artifacts.service.js';

@Module({ imports: [RunsModule], controllers: [ArtifactsController], providers: [ArtifactsService] })
export class ArtifactsModule {}
