/**
 * A JSON body of the form `{ "<key>": [row, row, ...] }` read as it arrives, each row checked
 * and handed on as soon as it is complete. The queue listing has a row per active generation
 * (10,000 rows are about 5 MB); parsed whole, its text and every row's echoed parameters sat in
 * memory together and took one long turn of the event loop. Streamed, each row dies young and
 * the work is spread over the body's chunks.
 */
import { JSONParser } from '@streamparser/json';
import type { z } from 'zod';
import { OxenError } from './errors.js';

export interface RowSink<T> {
  write(chunk: Uint8Array): void;
  /** After the last chunk: fails when the body ended early or had no `<key>` array. */
  end(): T;
}

/**
 * A sink for one body: each element of `key` parsed with `schema` and passed to `visit`, in order.
 * A body that is not JSON, a row of another shape, or no `key` array fails as bad_response.
 */
export function rowsOf<Row>(key: string, schema: z.ZodType<Row>, operation: string, visit: (row: Row) => void): RowSink<void> {
  const rows = `$.${key}.*`;
  const parser = new JSONParser({ paths: [rows, `$.${key}`], keepStack: false, stringBufferSize: 64 * 1024 });
  let sawArray = false;
  let failure: OxenError | undefined;
  const fail = (error: OxenError) => {
    failure ??= error;
    throw failure;
  };
  parser.onValue = ({ value, key: at, stack }) => {
    if (stack.length === 1) {
      // The array itself, emptied of its rows (keepStack: false).
      if (Array.isArray(value)) sawArray = true;
      return;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) fail(new OxenError('bad_response', `Oxen ${operation} answered with an unexpected shape at ${key}.${String(at)}`));
    visit(parsed.data as Row);
  };
  return {
    write(chunk) {
      if (failure) throw failure;
      try {
        parser.write(chunk);
      } catch (error) {
        if (error instanceof OxenError) throw error;
        fail(new OxenError('bad_response', `Oxen ${operation} answered with a body that is not JSON`));
      }
    },
    end() {
      if (failure) throw failure;
      try {
        // The parser ends itself after the root value; ending it mid-value fails.
        if (!parser.isEnded) parser.end();
      } catch {
        fail(new OxenError('bad_response', `Oxen ${operation} answered with a body that is not JSON`));
      }
      if (!sawArray) fail(new OxenError('bad_response', `Oxen ${operation} answered with an unexpected shape at ${key}`));
    },
  };
}
