/**
 * Keeps a long ingest's heap near what it really holds. Validating and storing a big file make
 * garbage fast (each chunk's rows, items and SDK requests live across a few scavenges and are
 * promoted), and V8 lets the old generation grow to about four times the live set before it
 * collects: `bulletin ingest` of 200 k rows held ≈ 53 MB live but let its heap reach 213 MB
 * (`node --trace-gc`). Called between chunks, {@link heapRelief}'s function runs a full
 * collection once the heap has grown `headroomMb` past what the last one left, so the peak
 * stays near live + headroom, whatever the file's size. A collection of that heap takes tens
 * of milliseconds; a chunk, hundreds.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

/** V8's full collection, made callable once (`--expose-gc` set at run time, as `node:v8` allows). */
function fullCollection(): () => void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  return collect;
}

/** The heap as {@link heapRelief} sees it: V8's used size, and a full collection. */
export interface Heap {
  used(): number;
  collect(): void;
}

const v8Heap: Heap = {
  used: () => getHeapStatistics().used_heap_size,
  collect: () => fullCollection()(),
};

/** A function to call between chunks of a long ingest (see the module's comment). */
export function heapRelief(headroomMb = 64, heap: Heap = v8Heap): () => void {
  const headroom = headroomMb * 2 ** 20;
  // What the heap held before the ingest may be garbage too: the first call that finds more
  // than the headroom collects.
  let floor = 0;
  return () => {
    if (heap.used() < floor + headroom) return;
    heap.collect();
    floor = heap.used();
  };
}
