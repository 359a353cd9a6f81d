/** The waiting line (fair-queue.ts) in the embedded SQLite file: three small tables, changed under the store's mutex. */
import type { LineStore } from './fair-queue.js';

type Row = Record<string, unknown>;

const TABLES = [
  'CREATE TABLE IF NOT EXISTS line (id TEXT PRIMARY KEY, user_key TEXT NOT NULL, round INTEGER NOT NULL, seq INTEGER NOT NULL)',
  'CREATE INDEX IF NOT EXISTS line_order ON line (round, seq)',
  'CREATE INDEX IF NOT EXISTS line_user ON line (user_key, round)',
  'CREATE TABLE IF NOT EXISTS line_clock (name TEXT PRIMARY KEY, value INTEGER NOT NULL)',
];

export class SqliteLine implements LineStore {
  private ready: Promise<void> | undefined;

  constructor(
    private readonly query: (sql: string, ...params: unknown[]) => Promise<Row[]>,
    private readonly exclusive: <T>(section: () => Promise<T>) => Promise<T>,
  ) {}

  private async tables(): Promise<void> {
    this.ready ??= (async () => {
      for (const statement of TABLES) await this.query(statement);
    })();
    return this.ready;
  }

  private async clock(name: string): Promise<number> {
    const [row] = await this.query('SELECT value FROM line_clock WHERE name = ?', name);
    return Number(row?.['value'] ?? 0);
  }

  private async setClock(name: string, value: number): Promise<void> {
    await this.query('INSERT INTO line_clock (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value', name, value);
  }

  async add(id: string, user: string): Promise<boolean> {
    await this.tables();
    return this.exclusive(async () => {
      if ((await this.query('SELECT 1 FROM line WHERE id = ?', id)).length > 0) return false;
      const [last] = await this.query('SELECT MAX(round) AS round FROM line WHERE user_key = ?', user);
      const round = Math.max((await this.clock('served')) + 1, Number(last?.['round'] ?? 0) + 1);
      const seq = (await this.clock('seq')) + 1;
      await this.setClock('seq', seq);
      await this.query('INSERT INTO line (id, user_key, round, seq) VALUES (?, ?, ?, ?)', id, user, round, seq);
      await this.setClock('version', (await this.clock('version')) + 1);
      return true;
    });
  }

  async remove(id: string, served: boolean): Promise<boolean> {
    await this.tables();
    return this.exclusive(async () => {
      const [row] = await this.query('SELECT round FROM line WHERE id = ?', id);
      if (!row) return false;
      await this.query('DELETE FROM line WHERE id = ?', id);
      const round = Number(row['round']);
      if (served && round > (await this.clock('served'))) await this.setClock('served', round);
      await this.setClock('version', (await this.clock('version')) + 1);
      return true;
    });
  }

  async order(limit?: number): Promise<string[]> {
    await this.tables();
    const rows = await this.query('SELECT id FROM line ORDER BY round, seq LIMIT ?', limit ?? -1);
    return rows.map((r) => String(r['id']));
  }

  async version(): Promise<number> {
    await this.tables();
    return this.clock('version');
  }
}
