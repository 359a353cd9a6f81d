/** Every variable the config reads is documented in .env.example and README.md, so they cannot drift. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV_VARIABLES } from '../../src/core/config.js';

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

describe('documentation of the settings', () => {
  it('.env.example sets every variable, and nothing the config does not read', () => {
    const assigned = [...read('.env.example').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect(ENV_VARIABLES.length).toBeGreaterThan(20);
    expect([...assigned].sort()).toEqual([...ENV_VARIABLES].sort());
  });

  it('README.md has a table row for every variable', () => {
    const readme = read('README.md');
    for (const name of ENV_VARIABLES) expect(readme, name).toMatch(new RegExp(`^\\|[^\\n]*\`${name}\``, 'm'));
  });
});
