/**
 * Issue 23.4: the command line tells the truth, in Chinese. The README's walk-throughs
 * ("Five minutes with Torch Bulletin" and the editorial cycle's "Worked example") run through
 * the built CLI (`bin/bulletin.mjs`) against embedded stores of their own; every line they
 * print, on stdout and stderr, must read as Chinese (`tests/support/english-lines.ts` defines
 * the rule). Along the way: a second release says who released the draft and when, `list`
 * marks 修订版 and 已撤回, `bulletin pdf` writes any edition and refuses to overwrite, times are
 * Beijing time with the zone named, and a release with no server running says why no notice
 * went out and how to send it later.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { englishLines, isEnglishOnly } from '#tests/support/english-lines.ts';
import { REPO } from '#tests/support/stores.ts';

const BIN = join(REPO, 'bin', 'bulletin.mjs');

interface Ran {
  command: string;
  code: number;
  stdout: string;
  stderr: string;
}

describe('the README walk-throughs through the built CLI', { timeout: 900_000 }, () => {
  let dir: string;
  const transcript: Ran[] = [];

  /** Runs `bulletin` on a state folder of its own, as a person would type it. */
  const bulletin = (state: string, ...args: string[]) =>
    new Promise<Ran>((resolve) => {
      execFile(
        process.execPath,
        [BIN, '--state-dir', join(dir, state), ...args],
        {
          cwd: REPO,
          env: { ...process.env, BULLETIN_OUTBOX_DIR: join(dir, 'outbox') },
          timeout: 180_000,
        },
        (err, stdout, stderr) => {
          const ran = {
            command: `bulletin ${args.join(' ')}`,
            code: err ? Number((err as { code?: number }).code ?? 1) : 0,
            stdout,
            stderr,
          };
          transcript.push(ran);
          resolve(ran);
        },
      );
    });

  /** A Beijing time with its offset, `days` from now (an embargo in the future). */
  const beijingIn = (days: number) =>
    new Date(Date.now() + days * 86_400_000 + 8 * 3_600_000)
      .toISOString()
      .replace(/:\d{2}\.\d{3}Z$/, '+08:00');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulletin-walkthrough-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the rule finds an English-only or mostly English line, and lets Chinese lines and bare technical tokens pass', () => {
    const planted = 'draft torch-bulletin-d11c4912465 is ready for review: bulletin release it';
    const output = [
      '稿件 torch-bulletin-d11c4912465 待审：审阅后用 bulletin release torch-bulletin-d11c4912465 发布',
      'PDF：/work/.local/out/火炬动态-2024-样稿.pdf',
      '  /work/.local/out/火炬动态-2024-样稿.pdf',
      'http://127.0.0.1:8787/',
      'torch-bulletin-551',
      '│ torch-bulletin-551 │ 2026年第1期(总第551期) │ 已发布 │',
      '┌──────┬──────┐',
      planted,
    ].join('\n');

    expect(englishLines(output)).toEqual([planted]);
    // What the CLI printed before (issue 23): each of these is caught.
    for (const old of [
      'run 73688dcf-1b7e · slot cli:401d2c · drafted',
      'discarded torch-bulletin-d9a0c2',
      'Browse: npm run serve  →  http://127.0.0.1:8787/',
      'ingested 149 records from 6 file(s): 149 new, 0 revised, 0 unchanged',
      'ingest: 149/149, 814/s, ETA 0s',
      '(no drafts awaiting review)',
    ])
      expect(isEnglishOnly(old), old).toBe(true);
    // A little Chinese before an English sentence is no Chinese line; a term or two in
    // parentheses is.
    const mixed = '注意：render of the page failed, the browser timed out';
    expect(
      englishLines([planted.replace('draft', '稿件'), mixed, ...output.split('\n')].join('\n')),
    ).toEqual([planted.replace('draft', '稿件'), mixed, planted]);
    for (const chinese of [
      '运行 (run) 73688dcf-1b7e · 槽位 (slot) cli:401d2c · torch-bulletin',
      '槽位 (slot) 仍被另一次运行占用：稍后重试 (retryable)',
      '无法发送通知：未设置 API 的公开地址 (BULLETIN_PUBLIC_BASE_URL)',
    ])
      expect(englishLines(chinese), chinese).toEqual([]);
  });

  it('"Five minutes": load, preview, draft, embargo, discard, release, list, pdf, notify', async () => {
    const csv = join(dir, 'my-figures.csv');
    await writeFile(
      csv,
      'zone,indicator,period,value,unit,yoy,share,source\n' +
        'national-htz,gdp,2024,19.3,万亿元,7.6,14.3,《中国高新技术产业导报》2025年2月26日\n',
    );
    const s = 'five';
    expect((await bulletin(s, 'ingest', csv)).code).toBe(0);
    expect((await bulletin(s, 'ingest', ...dataFiles())).code).toBe(0);
    const preview = await bulletin(s, 'preview', '--out-dir', join(dir, 'preview'));
    expect(preview.code, preview.stderr).toBe(0);

    const drafted = await bulletin(s, 'generate');
    expect(drafted.code, drafted.stderr).toBe(0);
    const first = draftIdIn(drafted.stdout);
    expect((await bulletin(s, 'drafts')).stdout).toContain(first);

    // An embargo given in Beijing time is answered in Beijing time, the zone named.
    const at = beijingIn(2);
    const scheduled = await bulletin(s, 'release', first, '--at', at);
    expect(scheduled.code, scheduled.stderr).toBe(0);
    expect(scheduled.stdout).toContain(`将于 ${at.slice(0, 10)} ${at.slice(11, 16)} 北京时间 发布`);
    expect(scheduled.stdout).not.toMatch(/\d{2}:\d{2}(:\d{2})?(\.\d+)?Z/);
    expect((await bulletin(s, 'drafts')).stdout).toMatch(/已定时.*定时发布 .* 北京时间/);
    expect((await bulletin(s, 'discard', first)).code).toBe(0);

    const second = draftIdIn((await bulletin(s, 'generate', '--force')).stdout);
    const released = await bulletin(s, 'release', second);
    expect(released.code, released.stderr).toBe(0);
    expect(released.stdout).toMatch(
      /^已发布 torch-bulletin-551 \d{4}年第1期\(总第551期\) · \d+ 页 · \d+ KB · 发布人 .+ · \d{4}-\d{2}-\d{2} \d{2}:\d{2} 北京时间$/m,
    );
    // The local path of the released PDF, not only a key in the store.
    const pdfPath = /^PDF：(.+)$/m.exec(released.stdout)![1]!;
    expect(readFileSync(pdfPath).subarray(0, 5).toString()).toBe('%PDF-');
    // No server runs: no notice could link anywhere; it says why and how to send it later.
    expect(released.stdout).toMatch(/没有已确认的订阅者，无需通知。|未通知订阅者：/);

    // Released before: who released it and when, and nothing changes.
    const again = await bulletin(s, 'release', second);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      new RegExp(
        `^稿件 ${second} 此前已发布为 torch-bulletin-551 .*：\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} 北京时间 由 .+ 发布。本次没有改动任何内容。$`,
        'm',
      ),
    );

    const list = await bulletin(s, 'list');
    expect(list.stdout).toMatch(/torch-bulletin-551 .* 已发布 .* 北京时间/);

    const out = join(dir, 'issue-551.pdf');
    const pdf = await bulletin(s, 'pdf', 'torch-bulletin-551', '--out', out);
    expect(pdf.code, pdf.stderr).toBe(0);
    expect(readFileSync(out)).toEqual(readFileSync(pdfPath));
    // A file there already is not overwritten without --force.
    await writeFile(out, 'not this issue');
    const refused = await bulletin(s, 'pdf', 'torch-bulletin-551', '--out', out);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/已存在，未覆盖：换一个文件名，或加 --force 覆盖/);
    expect(readFileSync(out, 'utf8')).toBe('not this issue');
    expect((await bulletin(s, 'pdf', 'torch-bulletin-551', '--out', out, '--force')).code).toBe(0);
    expect(readFileSync(out)).toEqual(readFileSync(pdfPath));

    const notify = await bulletin(s, 'notify', 'torch-bulletin-551');
    expect(notify.code).toBe(1);
    expect(notify.stderr).toMatch(/无法发送通知：本地服务 \(bulletin serve\) 未运行/);

    const withdrawn = await bulletin(s, 'withdraw', 'torch-bulletin-551', '--reason', '数据有误');
    expect(withdrawn.code, withdrawn.stderr).toBe(0);
    expect((await bulletin(s, 'list')).stdout).toMatch(/torch-bulletin-551 .* 已撤回：数据有误/);
  });

  it('the editorial cycle\'s "Worked example", correction included', async () => {
    const s = 'worked';
    expect((await bulletin(s, 'ingest', ...dataFiles())).code).toBe(0);
    const draft = await bulletin(s, 'draft');
    const id = draftIdIn(draft.stdout);
    expect((await bulletin(s, 'drafts')).stdout).toContain(id);
    const draftPdf = await bulletin(s, 'drafts', id);
    expect(existsSync(/^样稿 PDF：(.+)$/m.exec(draftPdf.stdout)![1]!)).toBe(true);
    expect((await bulletin(s, 'release', id)).stdout).toMatch(/^已发布 torch-bulletin-551 /m);

    const unchanged = await bulletin(s, 'draft');
    expect(unchanged.stderr).toMatch(/自 torch-bulletin-551（.*）发布以来数据未变/);
    const empty = await bulletin(s, 'draft', '--period', '2099');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/数据期 2099 没有可刊印的记录/);

    const revised = join(dir, 'revised-gdp.csv');
    await writeFile(
      revised,
      'zone,indicator,period,value,unit,yoy,share,source\n' +
        'national-htz,gdp,2024,193123.4,亿元,7.6,14.3,国家统计局修订公报（测试）\n',
    );
    expect((await bulletin(s, 'ingest', revised)).code).toBe(0);
    expect((await bulletin(s, 'corrections')).stdout).toMatch(/torch-bulletin-551\t.*第1版\t/);
    const correct = await bulletin(s, 'correct', 'torch-bulletin-551');
    expect(correct.code, correct.stderr).toBe(0);
    // The correction draft's PDF, on disk.
    expect(existsSync(/^样稿 PDF：(.+)$/m.exec(correct.stdout)![1]!)).toBe(true);
    const fix = /^稿件：(\S+)（torch-bulletin-551 的修订版）$/m.exec(correct.stdout)![1]!;
    const fixed = await bulletin(s, 'release', fix);
    expect(fixed.stdout).toMatch(/^已发布 torch-bulletin-551 .*第 2 版（修订版） · \d+ 页 · /m);
    expect(fixed.stdout).toMatch(/^PDF：.+\.pdf$/m);
    expect((await bulletin(s, 'list')).stdout).toMatch(
      /torch-bulletin-551 .* 已发布 · 修订版（第 2 版）/,
    );
    // Both editions stay downloadable.
    const original = await bulletin(
      s,
      'pdf',
      'torch-bulletin-551',
      '--edition',
      '1',
      '--out',
      join(dir, 'e1.pdf'),
    );
    expect(original.code, original.stderr).toBe(0);
    expect(original.stderr).toContain('第 1 版');

    const runs = await bulletin(s, 'runs');
    expect(runs.stdout).toMatch(/\t\d{4}-\d{2}-\d{2} \d{2}:\d{2} 北京时间\t已生成稿件\t/);
    const json = JSON.parse((await bulletin(s, 'runs', '--json')).stdout) as {
      startedAt: string;
    }[];
    expect(json[0]!.startedAt).toMatch(/T\d{2}:\d{2}:\d{2}(\.\d+)?\+08:00$/);
  });

  it('every line either walk-through printed for a person is Chinese', () => {
    expect(transcript.length).toBeGreaterThan(20);
    // `--json` is for scripts: its keys and state names stay as the API has them.
    const forPeople = transcript.filter((r) => !r.command.includes('--json'));
    const english = forPeople.flatMap((r) =>
      englishLines(`${r.stdout}\n${r.stderr}`).map((line) => `${r.command}  ⟶  ${line}`),
    );
    expect(english).toEqual([]);
  });
});

function dataFiles(): string[] {
  const records = join(REPO, 'data', 'records');
  return [
    ...['national-2024.csv', 'national-series.csv', 'zones.csv', 'groups.csv', 'city-004.csv'].map(
      (f) => join(records, f),
    ),
    join(REPO, 'data', 'articles.json'),
  ];
}

function draftIdIn(stdout: string): string {
  const m = /^稿件 (torch-bulletin-d[0-9a-f]+)：/m.exec(stdout);
  if (!m) throw new Error(`no draft id in:\n${stdout}`);
  return m[1]!;
}
