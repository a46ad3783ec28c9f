// Writes environments/schema.json (editor completion and checking) from the
// zod schema in app/config. A test fails when the committed file is stale.
import * as fs from 'fs';
import * as path from 'path';
import { environmentJsonSchema } from '../app/config';

export function schemaText(): string {
  return `${JSON.stringify(environmentJsonSchema(), null, 2)}\n`;
}

if (require.main === module) {
  const out = path.join('environments', 'schema.json');
  fs.writeFileSync(out, schemaText());
  process.stdout.write(`wrote ${out}\n`);
}
