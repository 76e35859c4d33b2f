import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Controller, Get, Header, NotFoundException, Param, StreamableFile } from '@nestjs/common';
import { openApiDocument } from '@reslab/contracts';
import { Access } from '../identity/access-policy.js';

// Swagger UI is served from the npm package on disk: nothing loads from a CDN.
const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const SWAGGER_ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js']);
const DOCUMENT = openApiDocument();

@Controller()
export class OpenApiController {
  @Access({ who: 'public' })
  @Get('openapi.json')
  document(): Record<string, unknown> {
    return DOCUMENT;
  }

  @Access({ who: 'public' })
  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
  docs(): string {
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ResLab API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head><body><div id="api"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: '/openapi.json', dom_id: '#api' });</script></body></html>`;
  }

  @Access({ who: 'public' })
  @Get('docs/assets/:file')
  asset(@Param('file') file: string): StreamableFile {
    if (!SWAGGER_ASSETS.has(file)) throw new NotFoundException();
    return new StreamableFile(createReadStream(join(SWAGGER_UI_DIR, file)), {
      type: file.endsWith('.css') ? 'text/css' : 'text/javascript',
    });
  }
}
