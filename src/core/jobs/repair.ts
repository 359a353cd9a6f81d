/**
 * The slot repair: a crash, or a store failure at the wrong moment, can leave a member in a slot
 * set with no job behind it: a person's set (taken by submit before the job was saved) or the
 * global `inflight` set (a release that failed). Such a member would block that person, or shrink
 * the global capacity, for ever. At start-up and then regularly every set member whose job is
 * missing or ended is dropped, and so is every entry of the shared waiting line whose job is
 * missing or no longer waiting (it would hold up the line). First of all, an id in the index of
 * active jobs with no record (a crash between writing a new job's index and its record) is
 * dropped: no instance can take it over, and it would hold its person's slot for ever.
 *
 * A job being admitted holds its slot before its record exists: submit() holds an admission mark
 * (a lease, ADMISSION_MARK_MS) from before it takes the slot until after the record is saved, and
 * a member (or active id) with the mark held is left alone. The order of the reads below makes
 * that safe: the members are listed, then the mark is checked, then the record read; a member
 * listed while its admission was under way has either its mark still held, or its record saved.
 * An active id is dropped only by forgetActive, which checks in the same step that it still has no record.
 *
 * A job that has just ended is not a leak either: its owner saves it as ended, then lets its slots
 * go, then its lease (finish.ts). A member whose ended job's lease is still held is left to that
 * owner; one whose lease is free was either let go meanwhile (the set is read again before
 * anything is dropped) or really left behind (a release that failed, a crash after the save).
 */
import { INFLIGHT, jobLease } from './context.js';
import { isTerminal } from './job.js';
import type { JobStore } from './store.js';

/** Held by submit() while it admits job `id` (slot taken, record not saved yet). */
export const admissionMark = (id: string) => `admitting:${id}`;
/** Longer than any admission takes (downloads and conversions included); a crash frees it by expiry. */
export const ADMISSION_MARK_MS = 15 * 60_000;
/** Every person's slot set starts with this (see userSet). */
const USER_SETS = 'user:';

export interface RepairReport {
  /** Set members looked at. */
  checked: number;
  /** What was dropped: `set` (or `line`, or `active`) and `member` (the job id). */
  dropped: { set: string; member: string }[];
}

/** Where repairSlots reports waiting-line entries it dropped. */
export const LINE = 'line';
/** Where repairSlots reports ids it dropped from the index of active jobs. */
export const ACTIVE = 'active';

export async function repairSlots(store: JobStore): Promise<RepairReport> {
  const report: RepairReport = { checked: 0, dropped: [] };
  for (const id of await store.activeWithoutRecord()) {
    report.checked++;
    if (await leaseHeld(store, admissionMark(id))) continue;
    if (await store.forgetActive(id)) report.dropped.push({ set: ACTIVE, member: id });
  }
  const active = new Set(await store.activeIds());
  for (const set of [INFLIGHT, ...(await store.setNames(USER_SETS))]) {
    const suspects: string[] = [];
    for (const member of await store.members(set)) {
      report.checked++;
      if (active.has(member)) continue;
      if (await leaseHeld(store, admissionMark(member))) continue;
      const job = await store.get(member);
      if (job && !isTerminal(job.state)) continue;
      if (job && (await leaseHeld(store, jobLease(member)))) continue; // its owner is letting it go
      suspects.push(member);
    }
    if (suspects.length === 0) continue;
    // Read again: a member let go by its owner after the first read is not left behind.
    const still = new Set(await store.members(set));
    for (const member of suspects.filter((m) => still.has(m))) {
      await store.leave(set, member);
      report.dropped.push({ set, member });
    }
  }
  // A job is put in line after its record is saved as waiting, and taken out before it changes state.
  for (const id of await store.line.order()) {
    report.checked++;
    const job = await store.get(id);
    if (job?.state === 'waiting') continue;
    if (await store.line.remove(id, false)) report.dropped.push({ set: LINE, member: id });
  }
  return report;
}

/** Whether someone holds the lease (a job's admission mark, or the job itself), without keeping it (taken for 1 ms if free, then let go). */
async function leaseHeld(store: JobStore, name: string): Promise<boolean> {
  const probe = `repair-probe`;
  if (!(await store.acquireLease(name, probe, 1))) return true;
  await store.releaseLease(name, probe);
  return false;
}
