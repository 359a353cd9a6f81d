/**
 * A benchmark's bot process runs as `npm start` runs the bot: compiled JavaScript (dist/, built by
 * scripts/build.mjs, the `prestart` step), with the Node flags and environment of the start script, no TypeScript
 * loader. The benchmark's own code around the bot (the load, the counting port) is bundled into
 * one file beside its source (so paths it resolves from import.meta.url stay right), importing
 * the bot's modules from dist/: the very files `npm start` loads.
 */
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { buildDist, PROJECT_ROOT as ROOT } from '../test/helpers/npm-start.js';

export { npmStart } from '../test/helpers/npm-start.js';

/**
 * `benchFile` (a bench/*.ts module) as one JavaScript file beside it, its imports of src/ turned
 * into imports of the same modules in dist/; builds dist/ first. Returns the file's URL, to fork.
 */
export async function compiledBench(benchFile: URL): Promise<URL> {
  buildDist();
  const source = fileURLToPath(benchFile);
  const outfile = join(dirname(source), `${basename(source, '.ts')}.compiled.mjs`);
  const src = join(ROOT, 'src') + sep;
  await build({
    entryPoints: [source],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    plugins: [
      {
        name: 'src-from-dist',
        setup(b) {
          b.onResolve({ filter: /^\.\.?\// }, (args) => {
            const target = resolve(args.resolveDir, args.path);
            if (!target.startsWith(src)) return undefined;
            const inDist = join(ROOT, 'dist', relative(src, target));
            return { path: `./${relative(dirname(outfile), inDist).split(sep).join('/')}`, external: true };
          });
        },
      },
    ],
  });
  return pathToFileURL(outfile);
}
