/**
 * Vitest's global setup: the `prestart` build, once before any test file runs, so every test that
 * starts the bot as `npm start` does (test/helpers/npm-start.ts) finds dist/ built from the
 * sources under test, and no two test files build it at once.
 */
import { buildDist } from './npm-start.js';

export default function setup(): void {
  buildDist();
}
