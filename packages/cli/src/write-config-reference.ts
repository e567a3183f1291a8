// `npm run docs:config`: rewrites the configuration reference in docs/operations.md from the commands' tables.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from './commands/all.js';
import { renderConfigReference, replaceReference } from './config-reference.js';

const DOC = fileURLToPath(new URL('../../../docs/operations.md', import.meta.url));
writeFileSync(DOC, replaceReference(readFileSync(DOC, 'utf8'), renderConfigReference(COMMANDS)));
process.stdout.write('wrote docs/operations.md\n');
