/**
 * The operator CLI as a process (src/cli/main.ts under tsx, in an empty directory, configured only
 * through its environment) against the fake Oxen: help, models, plan (a dry run that enqueues
 * nothing), a bad flag and a missing key, generate writing the exact bytes of the result, and
 * Ctrl-C cancelling at Oxen (with --cancel-on-exit, and by answering the question).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOxen, type FakeOxen } from '../fakes/oxen/index.js';
import { emptyDir, ROOT, runCli, startCli } from './run-cli.js';

const VIDEO = readFileSync(new URL('../fixtures/media/clip3s.mp4', import.meta.url));
const CAT = fileURLToPathOf('../fixtures/media/cat.png');
const CLIP = fileURLToPathOf('../fixtures/media/clip3s.mp4');
const GIF = fileURLToPathOf('../fixtures/media/pic.gif');
const KEY = 'cli-test-oxen-key-Rw8nTq3zLp6v';

function fileURLToPathOf(relative: string): string {
  return new URL(relative, import.meta.url).pathname;
}

let oxen: FakeOxen;
let env: Record<string, string>;

beforeAll(async () => {
  oxen = await startFakeOxen({ apiKey: KEY, timing: { queuedMs: 50, processingMs: 100 }, keepAliveMs: 1_000 });
  env = { OXEN_API_KEY: KEY, OXEN_BASE_URL: oxen.url };
});
afterAll(async () => {
  await oxen?.close();
});

const noSecret = (text: string) => expect(text).not.toContain(KEY);

describe('seedance CLI', () => {
  it('answers --help on every command, also as `npx seedance` in the checkout', async () => {
    const commands = [[], ['models'], ['generate'], ['jobs', 'cancel']];
    const [runs, npx] = await Promise.all([
      Promise.all(commands.map((c) => runCli([...c, '--help']))),
      promisify(execFile)('npm', ['exec', '--offline', '--', 'seedance', 'plan', '--help'], { cwd: join(ROOT, 'src'), env: { ...process.env, OXEN_API_KEY: '' } }),
    ]);
    for (const [i, run] of runs.entries()) {
      expect(run.code, `${commands[i]!.join(' ')} --help: ${run.stderr}`).toBe(0);
      expect(run.stdout).toMatch(/^Usage: seedance/);
    }
    expect(runs[0]!.stdout).toMatch(/check[\s\S]*models[\s\S]*plan[\s\S]*generate[\s\S]*jobs/);
    expect(runs[1]!.stdout).toContain('--json');
    expect(runs[2]!.stdout).toContain('--out <path>');
    expect(runs[2]!.stdout).toContain('--cancel-on-exit');
    expect(runs[3]!.stdout).toMatch(/^Usage: seedance jobs cancel/);
    expect(npx.stdout).toMatch(/^Usage: seedance plan/);
  }, 60_000);

  it('models --json: every Seedance model, live, with resolutions, durations and prices', async () => {
    const run = await runCli(['models', '--json'], { env });
    expect(run.code, run.stderr).toBe(0);
    const rows = JSON.parse(run.stdout) as { id: string; available: string; schema: string; resolutions: string[]; durations: unknown[]; price: { perSecond: number; byResolution: Record<string, number> } }[];
    expect(rows).toHaveLength(12);
    expect(rows.every((r) => r.available === 'yes' && r.schema === 'live')).toBe(true);
    // Seedance 2.5 comes from the catalog like 2.0: its own durations up to 30 s and its prices.
    const v25 = rows.find((r) => r.id === 'bytedance-seedance-2-5-reference-to-video')!;
    expect(v25.durations).toEqual(['auto', 4, 5, 6, 8, 10, 12, 15, 20, 25, 30]);
    expect(v25.price.byResolution['720p']).toBe(0.2);
    const pro = rows.find((r) => r.id === 'bytedance-seedance-2-0-text-to-video')!;
    expect(pro.resolutions).toEqual(['480p', '720p', '1080p', '4k']);
    expect(pro.durations).toContain('auto');
    expect(pro.durations).toContain(15);
    expect(pro.price.byResolution['1080p']).toBe(0.6);
  });

  it('plan --json: the model, the exact body with placeholder URLs, references and estimate; nothing hosted or enqueued', async () => {
    oxen.clearRequests();
    const run = await runCli(['plan', 'the', 'cat', '@cat.png', 'walks', '--duration', '5', '--file', CAT, '--file', CLIP, '--file', GIF, '--json'], { env });
    expect(run.code, run.stderr).toBe(0);
    const plan = JSON.parse(run.stdout) as Record<string, any>;
    expect(plan['model'].id).toBe('bytedance-seedance-2-0-fast-reference-to-video');
    expect(plan['references'].map((r: { label: string; name: string }) => `${r.label}=${r.name}`)).toEqual(['@Image1=cat.png', '@Video1=clip3s.mp4', '@Image2=pic.gif']);
    // The model takes no GIF: the core's FFmpeg conversion makes it a PNG, and the plan says so.
    expect(plan['conversions']).toEqual(expect.arrayContaining([{ label: '@Image2', name: 'pic.gif', note: expect.stringMatching(/GIF → PNG/) }]));
    expect(plan['body']).toMatchObject({
      model: 'bytedance-seedance-2-0-fast-reference-to-video',
      // The files the prompt does not name are named for the model (references/every-file.ts).
      prompt: 'the cat @Image1 walks. Use @Image2 as a reference image. Use @Video1 as a reference video.',
      duration: 5,
      input_images: ['<@Image1: hosted when the job is launched>', '<@Image2: hosted when the job is launched>'],
      input_videos: ['<@Video1: hosted when the job is launched>'],
      num_generations: 1,
    });
    expect(plan['estimate']).toEqual({ videoSeconds: 5, usd: 0.8 });
    expect(plan['problems']).toBeUndefined();
    // A dry run: only schemas were read; nothing uploaded, presigned or enqueued.
    expect(oxen.requests.map((r) => r.route).filter((r) => r !== 'getModel')).toEqual([]);
    noSecret(run.stdout + run.stderr);
  });

  it('plan: a bad flag is named as in chat, with every other problem, and exits 1 without asking Oxen', async () => {
    oxen.clearRequests();
    const [run, json] = await Promise.all([runCli(['plan', 'a', 'fox', '--fsat', '--res', '9000p'], { env }), runCli(['plan', 'a', 'fox', '--res', '1080p', '--fast', '--json'], { env })]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('for 2 reasons');
    expect(run.stdout).toContain('`--fsat` is not an option: did you mean `--fast`?');
    expect(run.stdout).toContain('`9000p` is not a valid resolution');
    expect(json.code).toBe(1);
    const refused = JSON.parse(json.stdout) as { ok: boolean; model: { id: string }; body: null; problems: { code: string; message: string }[] };
    expect(refused.ok).toBe(false);
    expect(refused.body).toBeNull();
    expect(refused.model.id).toBe('bytedance-seedance-2-0-fast-text-to-video');
    expect(refused.problems.map((p) => p.code)).toEqual(['model.unsupported_value']);
    // The flags are read before anything else: only the model's schema was asked for, by the --json run.
    expect(oxen.requests.map((r) => `${r.route} ${r.path}`)).toEqual(['getModel /api/ai/models/bytedance-seedance-2-0-fast-text-to-video']);
  });

  it('a missing key: one line naming OXEN_API_KEY, no stack, exit 2; ./.env is read like npm start reads it', async () => {
    const withDotEnv = emptyDir();
    writeFileSync(join(withDotEnv, '.env'), `OXEN_API_KEY=${KEY}\nOXEN_BASE_URL=${oxen.url}\n`);
    const [run, fromDotEnv] = await Promise.all([runCli(['plan', 'a', 'fox'], { env: { OXEN_BASE_URL: oxen.url } }), runCli(['plan', 'a', 'fox', '--json'], { cwd: withDotEnv })]);
    expect(fromDotEnv.code, fromDotEnv.stderr).toBe(0);
    expect(JSON.parse(fromDotEnv.stdout)).toMatchObject({ ok: true, model: { id: 'bytedance-seedance-2-0-fast-text-to-video' } });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^seedance: OXEN_API_KEY is required/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('generate: hosts the file at Oxen, enqueues, follows, writes the exact bytes to --out, prints the generation id and cost', async () => {
    oxen.clearRequests();
    const dir = emptyDir();
    const out = join(dir, 'fox.mp4');
    const run = await runCli(['generate', 'a', 'fox', 'like', '@cat.png', '--duration', '5', '--file', CAT, '--file', GIF, '--out', out], { env, cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(out).equals(VIDEO)).toBe(true);
    const enqueues = oxen.requestsTo('enqueue');
    expect(enqueues).toHaveLength(1);
    const [generationId] = [...oxen.generations.keys()].filter((id) => oxen.generations.get(id)!.prompt === 'a fox like @Image1. Use @Image2 as a reference image.');
    expect(generationId).toBeDefined();
    expect(run.stdout).toContain(`generation ${generationId}: succeeded, saved to ${out}`);
    expect(run.stdout).toMatch(/cost: \$0\.8 for 5 video-second/);
    // No public address: the reference went to the Oxen host (the Workbench upload, presigned).
    expect([...oxen.files.keys()].some((k) => k.includes('seedance-bot-references/jobs/'))).toBe(true);
    // The GIF was converted to PNG by the core before it was hosted, as the bot converts it.
    expect([...oxen.files.entries()].some(([k, f]) => /\/jobs\/\w+\/Image2\.png$/.test(k) && f.contentType === 'image/png')).toBe(true);
    expect(JSON.parse(enqueues[0]!.body).input_images[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    // Followed over the completion stream, tagged like the bot's jobs.
    expect(oxen.requestsTo('events').length).toBeGreaterThan(0);
    expect(JSON.parse(enqueues[0]!.body)).toMatchObject({ target_repo: 'seedance-bot-references' });
    expect(run.stderr).toContain(`queued at Oxen: generation ${generationId}`);
    expect(existsSync(`${out}.part`)).toBe(false);
    noSecret(run.stdout + run.stderr);
  });

  it('generate: a completion event lost with the stream is found by the safety-net listing, as in the bot', async () => {
    oxen.switches.stuckInProcessing = true;
    try {
      const dir = emptyDir();
      const out = join(dir, 'late.mp4');
      const cli = startCli(['generate', 'a', 'late', 'fox', '--out', out], { env, cwd: dir });
      cli.child.stdin!.end();
      const [, generationId] = await cli.waitFor(/queued at Oxen: generation (\S+)/);
      await cli.waitFor(/Oxen is making the video/);
      oxen.clearRequests();
      // In one tick: the stream is cut, then the video is ready; its event reaches nobody.
      oxen.dropEventStreams();
      oxen.complete(generationId!);
      const run = await cli.exited;
      expect(run.code, run.stderr).toBe(0);
      expect(readFileSync(out).equals(VIDEO)).toBe(true);
      expect(oxen.requestsTo('listQueue').some((r) => r.query['repo'] === 'seedance-bot-references')).toBe(true);
    } finally {
      oxen.switches.stuckInProcessing = false;
    }
  });

  describe('Ctrl-C', () => {
    beforeAll(() => void (oxen.switches.stuckInProcessing = true));
    afterAll(() => void (oxen.switches.stuckInProcessing = false));

    const interrupted = async (flags: string[], answer?: string) => {
      const dir = emptyDir();
      const out = join(dir, 'never.mp4');
      const cli = startCli(['generate', 'a', 'slow', 'fox', '--out', out, ...flags], { env, cwd: dir });
      const [, generationId] = await cli.waitFor(/queued at Oxen: generation (\S+)/);
      cli.child.kill('SIGINT');
      if (answer !== undefined) {
        await cli.waitFor(/Cancel job \w+ at Oxen\?/);
        cli.child.stdin!.end(answer);
      }
      const run = await cli.exited;
      expect(existsSync(out)).toBe(false);
      return { run, generationId: generationId! };
    };

    it('--cancel-on-exit cancels the generation at Oxen and exits 130', async () => {
      const { run, generationId } = await interrupted(['--cancel-on-exit']);
      expect(run.code, run.stderr).toBe(130);
      expect(oxen.requestsTo('cancel').map((r) => r.path)).toContain(`/api/ai/queue/${generationId}`);
      expect(oxen.generations.get(generationId)!.status).toBe('cancelled');
      expect(run.stderr).toContain(`Cancelled job`);
      expect(run.stderr).not.toContain('[y/N]');
    });

    it('without it, asks: "y" cancels at Oxen; "n" leaves it running there', async () => {
      const [yes, no] = await Promise.all([interrupted([], 'y\n'), interrupted([], 'n\n')]);
      expect(yes.run.code, yes.run.stderr).toBe(130);
      expect(oxen.generations.get(yes.generationId)!.status).toBe('cancelled');

      expect(no.run.code).toBe(130);
      expect(no.run.stderr).toContain('Left job');
      // Still running at Oxen: queued or processing (the fake starts it 20 ms after the enqueue,
      // which a loaded machine can pass after the CLI has already exited).
      expect(['queued', 'processing']).toContain(oxen.generations.get(no.generationId)!.status);
      expect(oxen.requestsTo('cancel').map((r) => r.path)).not.toContain(`/api/ai/queue/${no.generationId}`);
    }, 40_000);
  });
});
