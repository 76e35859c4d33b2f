import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXPORTED_SCHEMAS, toJsonSchema } from './json-schemas.js';

/** Writes libs/contracts/json-schema/<name>.schema.json; a test fails when they go stale. */
export function renderJsonSchemas(): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of Object.keys(EXPORTED_SCHEMAS) as (keyof typeof EXPORTED_SCHEMAS)[]) {
    files.set(`${name}.schema.json`, `${JSON.stringify(toJsonSchema(name), null, 2)}\n`);
  }
  return files;
}

export const JSON_SCHEMA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'json-schema');

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(JSON_SCHEMA_DIR, { recursive: true });
  for (const [file, text] of renderJsonSchemas()) writeFileSync(join(JSON_SCHEMA_DIR, file), text);
  console.log(`wrote ${Object.keys(EXPORTED_SCHEMAS).length} schemas to ${JSON_SCHEMA_DIR}`);
}
