/**
 * heapRelief (functions/app/heap-relief.ts): between the chunks of a long ingest, a full
 * collection once the heap has grown past its headroom, so garbage never piles up to V8's own
 * (much later) threshold.
 */
import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { heapRelief } from '../../functions/app/heap-relief.ts';

const MB = 2 ** 20;

/** A heap whose used size the test sets; collecting brings it down to `live`. */
function fakeHeap(live: number) {
  const heap = {
    size: 0,
    collections: 0,
    used: () => heap.size,
    collect: () => {
      heap.collections++;
      heap.size = live;
    },
  };
  return heap;
}

describe('heapRelief', () => {
  it('collects once the heap has grown the headroom past what the last collection left', () => {
    const heap = fakeHeap(50 * MB);
    const relieve = heapRelief(64, heap);
    heap.size = 40 * MB;
    relieve(); // under the headroom: nothing
    expect(heap.collections).toBe(0);
    heap.size = 70 * MB;
    relieve(); // past 0 + 64 MB: collects, 50 MB left
    expect(heap.collections).toBe(1);
    heap.size = 110 * MB;
    relieve(); // 50 + 64 not reached
    expect(heap.collections).toBe(1);
    heap.size = 115 * MB;
    relieve();
    expect(heap.collections).toBe(2);
  });

  it("V8's full collection frees what a chunk dropped", () => {
    const used = () => getHeapStatistics().used_heap_size;
    // With no headroom, every call collects; two in a row, so that garbage allocated during an
    // incremental marking under way (kept by the collection that finishes it) goes too.
    const relieve = heapRelief(0);
    relieve();
    const start = used();
    // A chunk's worth of garbage: 400 arrays of 80 kB, promoted while they all live, then dropped.
    expect(Array.from({ length: 400 }, () => new Array<number>(10_000).fill(0.5)).length).toBe(400);
    const before = used();
    expect(before - start).toBeGreaterThan(24 * MB);

    relieve();
    relieve();

    expect(used()).toBeLessThan(before - 20 * MB);
  });
});
