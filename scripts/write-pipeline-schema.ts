/**
 * Writes schemas/pipeline.schema.json with each step kind's `with:` schema (kinds/editor-schema.ts),
 * for editors. Run by `make schema` after changing a kind's spec; test/kinds/published-schema.test.ts
 * fails until it has run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCatalog } from '../kinds/catalog.js';
import { formatPublishedSchema, publishedSchema } from '../kinds/editor-schema.js';

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'schemas', 'pipeline.schema.json');
const current = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
const next = formatPublishedSchema(publishedSchema(current, [...defaultCatalog.values()]));
fs.writeFileSync(file, next);
process.stdout.write(`${path.relative(process.cwd(), file)}: ${defaultCatalog.size} step kinds\n`);
