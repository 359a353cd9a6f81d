/** What every platform's help must carry: the shared lines (src/core/help), without the platform's own. */
import { HELP_EXAMPLES, helpSections } from '../../src/core/help/help.js';

export function sharedHelpLines(): string[] {
  const sections = helpSections({ start: [], files: [], more: [], example: (text) => text }).filter((s) => s.title !== 'Examples');
  return [...sections.flatMap((s) => [s.title, ...s.lines]), ...HELP_EXAMPLES.map((e) => e.text)];
}
