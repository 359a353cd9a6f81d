/** streamed-rows.ts: a listing's rows read as the body arrives, whatever the chunking, and every bad body refused as bad_response. */
import { describe, expect, it } from 'vitest';
import { OxenError } from '../../../src/core/oxen/errors.js';
import { rowsOf } from '../../../src/core/oxen/streamed-rows.js';
import { queueStatusRowSchema, type QueueStatusRow } from '../../../src/core/oxen/types.js';

const ROWS = [
  { generation_id: 'g1', status: 'processing', prompt: 'a fox', params: { duration: 5, nested: [1, { a: 'b' }] }, target_repo: 'bot', target_directory: 'jobs/a' },
  { generation_id: 'g2', status: 'succeeded', result_url: 'https://hub.oxen.ai/r/2.mp4', error_message: null, target_repo: 'bot' },
  { generation_id: 'g3', status: 'failed', error_message: 'Oxen says: 🎬 café — "no"\n', target_repo: null },
];

function read(chunks: Uint8Array[]): QueueStatusRow[] {
  const rows: QueueStatusRow[] = [];
  const sink = rowsOf('generations', queueStatusRowSchema, 'list queue', (row) => rows.push(row));
  for (const chunk of chunks) sink.write(chunk);
  sink.end();
  return rows;
}

function failure(body: string): OxenError {
  try {
    read([Buffer.from(body)]);
  } catch (error) {
    return error as OxenError;
  }
  throw new Error(`read ${body} without failing`);
}

describe('rowsOf', () => {
  it('visits every row in order with only the schema fields, however the body is cut (every byte a chunk too)', () => {
    const body = Buffer.from(JSON.stringify({ total: 3, generations: ROWS, after: { x: [1, 2] } }));
    const expected = ROWS.map((row) => queueStatusRowSchema.parse(row));
    expect(read([body])).toEqual(expected);
    for (const cut of [1, 2, 3, 7, 64]) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < body.length; i += cut) chunks.push(body.subarray(i, i + cut));
      expect(read(chunks), `chunks of ${cut} bytes`).toEqual(expected);
    }
    expect(read([body])[0]).not.toHaveProperty('params');
  });

  it('reads an empty listing as no rows', () => {
    expect(read([Buffer.from('{"generations":[]}')])).toEqual([]);
  });

  it.each([
    ['not JSON', '<html>busy</html>', 'not JSON'],
    ['cut short', '{"generations":[{"generation_id":"g1","status":"queued"},{"gener', 'not JSON'],
    ['no list', '{"jobs":[]}', 'unexpected shape at generations'],
    ['a list of something else', '{"generations":5}', 'unexpected shape at generations'],
    ['a row of another shape', '{"generations":[{"generation_id":"g1","status":"queued"},{"generation_id":7,"status":"queued"}]}', 'unexpected shape at generations.1'],
    ['an unknown status', '{"generations":[{"generation_id":"g1","status":"paused"}]}', 'unexpected shape at generations.0'],
  ])('refuses %s as bad_response', (_what, body, message) => {
    const error = failure(body);
    expect(error).toBeInstanceOf(OxenError);
    expect(error.code).toBe('bad_response');
    expect(error.message).toContain(message);
  });

  it('stops visiting at the first bad row and stays failed', () => {
    const rows: string[] = [];
    const sink = rowsOf('generations', queueStatusRowSchema, 'list queue', (row) => rows.push(row.generation_id));
    expect(() => sink.write(Buffer.from('{"generations":[{"generation_id":"g1","status":"queued"},{"generation_id":2},'))).toThrow(OxenError);
    expect(() => sink.write(Buffer.from('{"generation_id":"g3","status":"queued"}]}'))).toThrow(OxenError);
    expect(() => sink.end()).toThrow(OxenError);
    expect(rows).toEqual(['g1']);
  });
});
