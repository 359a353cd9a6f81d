import { readFile } from 'node:fs/promises';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { Reference } from '../../../src/core/references/types.js';
import { DEFAULT_REFERENCE_REPO, OxenReferenceHost } from '../../../src/core/references/oxen-host.js';
import { startFakeOxen, type FakeOxen } from '../../fakes/oxen/index.js';
import { clientFor, oxenErrorOf } from './helpers.js';

const CAT = new Uint8Array(await readFile(new URL('../../fixtures/media/cat.png', import.meta.url)));
const TONE = new Uint8Array(await readFile(new URL('../../fixtures/media/tone2s.mp3', import.meta.url)));
const HOUR = 60 * 60 * 1000;

function reference(label: string, bytes: Uint8Array, mime: string, extension: string, index = 1): Reference {
  const kind = mime.startsWith('image/') ? 'image' : mime.startsWith('audio/') ? 'audio' : 'video';
  return { name: `upload.${extension}`, kind, mime, extension, bytes, size: bytes.byteLength, index, label };
}

let fake: FakeOxen | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('OxenReferenceHost', () => {
  it('uploads into a private repo under jobs/<jobId>/ and returns a public presigned URL', async () => {
    fake = await startFakeOxen({ timing: 'manual', username: 'alice' });
    const now = Date.parse('2026-08-01T12:00:00Z');
    const host = new OxenReferenceHost({ client: clientFor(fake), now: () => now });
    expect(host.kind).toBe('oxen');

    const hosted = await host.host(reference('@Image1', CAT, 'image/png', 'png'), { jobId: 'job-42', minLifetimeMs: 10 * 60_000 });
    expect(hosted.expiresAt?.getTime()).toBe(now + HOUR);
    expect(new URL(hosted.url).origin).toBe(fake.resultsUrl);
    expect(fake.files.get(`alice/${DEFAULT_REFERENCE_REPO}/jobs/job-42/Image1.png`)?.contentType).toBe('image/png');
    expect(fake.repos.get(`alice/${DEFAULT_REFERENCE_REPO}`)).toEqual({ visibility: 'private', workbench: true });

    const upload = fake.requestsTo('upload')[0];
    expect(upload?.path).toBe(`/api/repos/alice/${DEFAULT_REFERENCE_REPO}/workbench/context`);
    expect(upload?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(upload?.body).toContain('name="directory"');
    expect(upload?.body).toContain('jobs/job-42');

    // Anyone (Oxen's workers) can fetch it without a key; the bytes are the upload's.
    const fetched = await request(hosted.url);
    expect(fetched.statusCode).toBe(200);
    expect(new Uint8Array(await fetched.body.arrayBuffer())).toEqual(CAT);
    expect(fake.results.sawAuthorization()).toBe(false);
  });

  it('resolves the namespace and ensures the repo once for many references', async () => {
    fake = await startFakeOxen({ timing: 'manual' });
    const host = new OxenReferenceHost({ client: clientFor(fake), repo: 'refs' });
    await Promise.all([
      host.host(reference('@Image1', CAT, 'image/png', 'png', 1), { jobId: 'a', minLifetimeMs: 0 }),
      host.host(reference('@Image2', CAT, 'image/png', 'png', 2), { jobId: 'a', minLifetimeMs: 0 }),
      host.host(reference('@Audio1', TONE, 'audio/mpeg', 'mp3', 1), { jobId: 'b', minLifetimeMs: 0 }),
    ]);
    expect(fake.requestsTo('whoAmI')).toHaveLength(1);
    expect(fake.requestsTo('getRepo')).toHaveLength(1);
    expect(fake.requestsTo('createRepo')).toHaveLength(1);
    expect(fake.requestsTo('upload')).toHaveLength(3);
    expect([...fake.files.keys()].sort()).toEqual([
      'fake-user/refs/jobs/a/Image1.png',
      'fake-user/refs/jobs/a/Image2.png',
      'fake-user/refs/jobs/b/Audio1.mp3',
    ]);
  });

  it('uses an existing repo without creating it', async () => {
    fake = await startFakeOxen({ timing: 'manual' });
    fake.repos.set(`fake-user/${DEFAULT_REFERENCE_REPO}`, { visibility: 'private', workbench: true });
    await new OxenReferenceHost({ client: clientFor(fake) }).host(reference('@Image1', CAT, 'image/png', 'png'), { jobId: 'j', minLifetimeMs: 0 });
    expect(fake.requestsTo('createRepo')).toHaveLength(0);
  });

  it('treats 409 on create as "exists" (another instance won the race)', async () => {
    fake = await startFakeOxen({ timing: 'manual' });
    fake.failNext(1, { status: 404, body: { error: { type: 'resource_not_found', title: 'nope' } } }, 'getRepo');
    fake.repos.set(`fake-user/${DEFAULT_REFERENCE_REPO}`, { visibility: 'private', workbench: true });
    await clientFor(fake).ensureRepo('fake-user', DEFAULT_REFERENCE_REPO);
    expect(fake.requestsTo('createRepo')).toHaveLength(1);
  });

  it('does not cache a failure: the next reference tries again', async () => {
    fake = await startFakeOxen({ timing: 'manual' });
    fake.failNext(1, { status: 401, body: { error: { type: 'unauthenticated', title: 'Unauthenticated' } } }, 'whoAmI');
    const host = new OxenReferenceHost({ client: clientFor(fake) });
    const ref = reference('@Image1', CAT, 'image/png', 'png');
    expect((await oxenErrorOf(host.host(ref, { jobId: 'j', minLifetimeMs: 0 }))).code).toBe('unauthenticated');
    await host.host(ref, { jobId: 'j', minLifetimeMs: 0 });
    expect(fake.requestsTo('whoAmI')).toHaveLength(2);
    expect(fake.requestsTo('upload')).toHaveLength(1);
  });

  it('reports the true expiry when the job needs the file longer than a presigned URL lives', async () => {
    fake = await startFakeOxen({ timing: 'manual' });
    const now = 1_000_000;
    const host = new OxenReferenceHost({ client: clientFor(fake), now: () => now });
    const hosted = await host.host(reference('@Video1', CAT, 'video/mp4', 'mp4'), { jobId: 'j', minLifetimeMs: 3 * HOUR });
    expect(hosted.url).toContain('/presigned/');
    expect(hosted.expiresAt?.getTime()).toBe(now + HOUR);
  });

  it('keeps odd job ids and labels inside their directory', async () => {
    fake = await startFakeOxen({ timing: 'manual' });
    const host = new OxenReferenceHost({ client: clientFor(fake) });
    await host.host(reference('@../Image 1', CAT, 'image/png', 'png'), { jobId: '../../etc', minLifetimeMs: 0 });
    const [key] = [...fake.files.keys()];
    expect(key).toMatch(/^fake-user\/seedance-bot-references\/jobs\/[^/]+\/[^/]+\.png$/);
    expect(key).not.toContain('..');
  });
});
