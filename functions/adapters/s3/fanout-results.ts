/**
 * Reads what the all-zones Distributed Map wrote to S3 (its ResultWriter): a `manifest.json`
 * listing result files by status, each file a JSON array of child executions
 * (`{ Input, Output, Status, Error, Cause, … }`, Input and Output as JSON strings). Turns them
 * into the items the summary counts: the render handler's outcome for a zone that succeeded,
 * `{ zone, error: { Error, Cause } }` for one that failed every retry, and a failure note for
 * one the map never ran (it stopped early: more failures than tolerated).
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { StoreError } from '../../errors.ts';

/** Where the map's manifest is (`$.results.ResultWriterDetails` of the state machine). */
export interface MapResultsLocation {
  Bucket: string;
  Key: string;
}

interface ManifestFile {
  Key: string;
}
interface Manifest {
  ResultFiles?: Partial<Record<'SUCCEEDED' | 'FAILED' | 'PENDING', ManifestFile[]>>;
}
/** One child execution as the ResultWriter records it. */
export interface MapRunEntry {
  Input?: string;
  Output?: string;
  Status?: string;
  Error?: string;
  Cause?: string;
}

const component = 'fanout-results';

function parseJson(text: string | undefined): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text ?? '');
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** One child execution → a map result item (see the module comment). */
export function mapResultItem(entry: MapRunEntry): Record<string, unknown> {
  if (entry.Status === 'SUCCEEDED') return parseJson(entry.Output);
  const input = parseJson(entry.Input);
  const zone = typeof input['zone'] === 'string' ? input['zone'] : undefined;
  if (entry.Status === 'PENDING' || entry.Status === undefined) {
    return { zone, error: '未运行：失败过多，分批任务 (map) 在此园区之前已停止' };
  }
  return {
    zone,
    error: { Error: entry.Error ?? entry.Status, Cause: entry.Cause ?? entry.Error ?? '' },
  };
}

/**
 * Every child execution's item, read from the manifest at `location` and the files it lists.
 * @throws StoreError naming the object that could not be read or parsed.
 */
export async function readMapResults(
  s3: S3Client,
  location: MapResultsLocation,
): Promise<Record<string, unknown>[]> {
  const read = async <T>(key: string): Promise<T> => {
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: location.Bucket, Key: key }));
      return JSON.parse((await out.Body?.transformToString('utf8')) ?? '') as T;
    } catch (err) {
      throw new StoreError(
        component,
        `无法读取分批任务 (map) 的结果 s3://${location.Bucket}/${key}`,
        {
          cause: err,
        },
      );
    }
  };
  const manifest = await read<Manifest>(location.Key);
  const items: Record<string, unknown>[] = [];
  for (const status of ['SUCCEEDED', 'FAILED', 'PENDING'] as const) {
    for (const file of manifest.ResultFiles?.[status] ?? []) {
      const entries = await read<MapRunEntry[]>(file.Key);
      for (const e of entries) items.push(mapResultItem({ ...e, Status: e.Status ?? status }));
    }
  }
  return items;
}
