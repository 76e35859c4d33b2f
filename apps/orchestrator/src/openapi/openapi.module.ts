import { Module } from '@nestjs/common';
import { OpenApiController } from './openapi.controller.js';

/** The API's own description (GET /openapi.json, rendered from libs/contracts) and Swagger UI at /docs. */
@Module({ controllers: [OpenApiController] })
export class OpenApiModule {}
