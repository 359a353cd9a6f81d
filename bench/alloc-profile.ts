/**
 * Where a run's allocations come from, garbage included: V8's sampling heap profiler with the
 * objects later collected by either GC kept in the profile (a heap snapshot only shows what is
 * alive, and what fills the young generation and gets promoted is mostly garbage by then).
 * Sums each function's sampled bytes (self) and prints the largest, with the profile written to
 * a file for DevTools (Memory tab, "Load").
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

export class AllocationProfile {
  private readonly session = new Session();

  async start(samplingIntervalBytes = 32 * 1024): Promise<void> {
    this.session.connect();
    await this.session.post('HeapProfiler.startSampling', {
      samplingInterval: samplingIntervalBytes,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }

  /** Stops, writes the profile to `file` (.heapprofile) and returns the top `count` lines by self bytes. */
  async stop(file: string, count = 30): Promise<string[]> {
    const { profile } = (await this.session.post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
    this.session.disconnect();
    writeFileSync(file, JSON.stringify(profile));
    const bySite = new Map<string, number>();
    let total = 0;
    const walk = (node: ProfileNode, parent: string) => {
      const { functionName, url, lineNumber } = node.callFrame;
      const file = url.replace(/^.*\/(node_modules|dist|bench)\//, '$1/');
      const site = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}${url ? '' : ` (in ${parent})`}`;
      total += node.selfSize;
      if (node.selfSize > 0) bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
      for (const child of node.children) walk(child, url ? site : parent);
    };
    walk(profile.head, '(root)');
    const mbOf = (bytes: number) => (bytes / 1048576).toFixed(1).padStart(8);
    return [
      `allocated (sampled estimate): ${mbOf(total).trim()} MB; profile: ${file}`,
      ...[...bySite].sort((a, b) => b[1] - a[1]).slice(0, count).map(([site, bytes]) => `${mbOf(bytes)} MB  ${site}`),
    ];
  }
}
