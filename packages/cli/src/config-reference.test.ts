import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from './commands/all.js';
import { renderConfigReference, replaceReference } from './config-reference.js';

const DOC = fileURLToPath(new URL('../../../docs/operations.md', import.meta.url));

describe('docs/operations.md configuration reference', () => {
  it('is exactly what the commands\' variable tables render (run `npm run docs:config` after changing a table)', () => {
    const doc = readFileSync(DOC, 'utf8');
    expect(replaceReference(doc, renderConfigReference(COMMANDS))).toBe(doc);
  });

  it('lists every variable of every command, with its flag', () => {
    const doc = readFileSync(DOC, 'utf8');
    for (const c of COMMANDS) {
      expect(doc).toContain(`### \`chainfan ${c.name}\``);
      for (const name of Object.keys(c.env)) expect(doc).toContain(`| \`${name}\` | \`--${name.slice('CHAINFAN_'.length).toLowerCase().replace(/_/g, '-')}\` |`);
    }
  });

  it('notices a drifted document', () => {
    const doc = readFileSync(DOC, 'utf8');
    const drifted = doc.replace('| `CHAINFAN_EDGE_PORT` |', '| `CHAINFAN_EDGE_PORTX` |');
    expect(drifted).not.toBe(doc);
    expect(replaceReference(drifted, renderConfigReference(COMMANDS))).not.toBe(drifted);
  });
});
