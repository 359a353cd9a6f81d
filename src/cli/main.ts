/**
 * The operator's terminal tool on the bot's own core: `npm run cli -- <command>` or `seedance
 * <command>`. Reads ./.env like `npm start` (variables already set win) and needs only
 * OXEN_API_KEY. Results go to stdout, progress and errors to stderr; see output.ts for exit codes.
 */
import { existsSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import type { CliConfig } from '../core/config.js';
import { JOB_STATES } from '../core/jobs/job.js';
import { CliError, describeError, EXIT, hideSecrets, note } from './output.js';

if (existsSync('.env')) process.loadEnvFile('.env');

// Whatever a command prints, these never appear in it (the store's password included).
const storeUrl = process.env['STORE_URL']?.trim();
const storePassword = storeUrl && URL.canParse(storeUrl) ? new URL(storeUrl).password : '';
hideSecrets([
  ...['OXEN_API_KEY', 'DISCORD_TOKEN', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN'].map((name) => process.env[name]?.trim()),
  ...(storePassword ? [storePassword, decodeURIComponent(storePassword), storeUrl] : []),
]);

/**
 * The CLI's settings, parsed when a command asks for them: a bad or missing one is a usage error.
 * Like each command's modules, loaded only when a command runs, so --help answers at once.
 */
async function configLoader(): Promise<() => CliConfig> {
  const { ConfigError, loadCliConfig } = await import('../core/config.js');
  return () => {
    try {
      return loadCliConfig(process.env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw new CliError(`${error.issues.join('; ')} (set it in ./.env or the environment; .env.example lists every setting)`, EXIT.usage);
    }
  };
}
const STATE_FILTERS = [...JOB_STATES, 'active'];

const collect = (value: string, previous: string[]) => [...previous, value];
const FLAGS_HELP = `
The prompt takes the same flags as Slack's /video, anywhere in it: --pro | --fast | --mini,
--t2v | --i2v | --r2v, --res 480p|720p|1080p|4k, --duration 4-15|auto, --ar 16:9|9:16|1:1|...,
--audio on|off, --watermark on|off, --count 1-4, --first-frame, --last-frame. Files are named in
the prompt by file name (@cat.png) or label (@Image1, @Video1, @Audio1).`;

/** Runs a command's action, turning its outcome into the exit code. */
function action<A extends unknown[]>(run: (...args: A) => Promise<number>) {
  return async (...args: A) => {
    const command = args[args.length - 1] as Command;
    try {
      process.exitCode = await run(...args);
    } catch (error) {
      note(`seedance: ${describeError(error, Boolean(command.optsWithGlobals()['verbose']))}`);
      process.exitCode = error instanceof CliError ? error.exitCode : EXIT.failed;
    }
  };
}

export function buildProgram(): Command {
  const program = new Command('seedance')
    .description('Check an Oxen set-up, list the Seedance models, dry-run or make a video, and read the bot\'s jobs, on the same core as the bot.')
    .option('--verbose', 'print errors with their stack, and what the engine reports')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.trim().split('\n')[0]! + '\n') })
    .addHelpText('after', '\nExit codes: 0 done, 1 refused or failed, 2 bad usage or configuration, 130 interrupted.\nSettings come from the environment and ./.env (only OXEN_API_KEY is required).');

  program
    .command('check')
    .description('check the configuration, the Oxen key, the model schemas, and the Discord and Slack tokens when set')
    .action(action(async () => (await import('./commands/check.js')).runCheck(process.env)));

  program
    .command('models')
    .description('the Seedance models with live availability, resolutions, durations and prices per second')
    .option('--json', 'print JSON for scripts')
    .action(action(async (flags: { json?: boolean }) => (await import('./commands/models.js')).runModels(flags, await configLoader())));

  program
    .command('plan')
    .description('show what a request would do and cost (model, body, references, estimate) without spending anything')
    .argument('<prompt...>', 'the prompt and its flags')
    .option('--file <path>', 'a reference file (image, video or audio); repeat for more', collect, [])
    .option('--json', 'print one JSON object: model, body, references, estimate (problems when refused)')
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', FLAGS_HELP)
    .action(action(async (words: string[], flags: { file: string[]; json?: boolean }) => (await import('./commands/plan.js')).runPlan(words, flags, await configLoader())));

  program
    .command('generate')
    .description('make a video: enqueue it, follow it, save it to --out, print the generation id and cost')
    .argument('<prompt...>', 'the prompt and its flags')
    .option('--file <path>', 'a reference file (image, video or audio); repeat for more', collect, [])
    .requiredOption('--out <path>', 'where to save the video (PATH-2.mp4 ... for the others of --count)')
    .option('--cancel-on-exit', 'on Ctrl-C, cancel at Oxen without asking')
    .option('--json', 'print the outcome as JSON')
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', `${FLAGS_HELP}\nCtrl-C asks whether to cancel the job at Oxen (it is billed if it keeps running).`)
    .action(action(async (words: string[], flags: { file: string[]; out: string; cancelOnExit?: boolean; json?: boolean }, command: Command) => (await import('./commands/generate.js')).runGenerate(words, { ...flags, verbose: Boolean(command.optsWithGlobals()['verbose']) }, await configLoader())));

  const jobs = program
    .command('jobs')
    .description("the bot's recent jobs (state, owner, model, cost), or one job in full")
    .argument('[id]', 'a job id: show that job in full')
    .addOption(new Option('--state <state>', 'only jobs in this state').choices(STATE_FILTERS))
    .option('--limit <n>', 'how many jobs to list (default 20)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nReads the bot\'s store: SQLite in DATA_DIR (default ./data), or Redis at STORE_URL.')
    .action(action(async (id: string | undefined, flags: { state?: string; limit?: string; json?: boolean }) => (await import('./commands/jobs.js')).runJobsList(id, flags, await configLoader())));
  jobs
    .command('cancel')
    .description('cancel a job as an admin would (at Oxen when it runs there)')
    .argument('<id>', 'the job id')
    .option('--json', 'print JSON')
    .action(action(async (id: string, flags: { json?: boolean }) => (await import('./commands/jobs.js')).runJobsCancel(id, flags, await configLoader())));

  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  // Help and version are not errors; commander has printed its one line for the others.
  process.exitCode = error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.help' ? EXIT.ok : EXIT.usage;
}
// Open handles (the store, a socket) must not keep a finished command alive.
process.exit(process.exitCode ?? EXIT.ok);
