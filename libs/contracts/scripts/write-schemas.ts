// Regenerates libs/contracts/schemas/*.json from the zod sources. The contracts test fails
// when the committed files differ from what this writes.
import { writeFileSync } from 'node:fs';
import { PUBLISHED_SCHEMAS, renderJsonSchema } from '@parley/contracts';

const directory = new URL('../schemas/', import.meta.url);
for (const entry of PUBLISHED_SCHEMAS) {
  writeFileSync(new URL(entry.file, directory), renderJsonSchema(entry));
  console.log(`wrote schemas/${entry.file}`);
}
