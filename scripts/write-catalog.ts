// Part of `npm run build:lib`: the schema catalog the library package ships,
// so `manifests-validate` works offline from an installed package.
import * as path from 'path';
import { PREBUILT_CATALOG, writePrebuiltCatalog } from '../lib/validate/schema/catalog';

const root = path.resolve(__dirname, '..');
const file = path.join(root, 'lib-dist', 'lib', 'validate', 'schema', PREBUILT_CATALOG);
const { kinds, structs } = writePrebuiltCatalog(root, file);
process.stdout.write(`build:lib: ${path.relative(root, file)}: ${kinds} kinds, ${structs} structs\n`);
