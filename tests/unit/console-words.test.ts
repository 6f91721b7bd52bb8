import { describe, expect, it } from 'vitest';
import { releasedByWords, targetWords } from '../../functions/api/console/render.ts';

describe('who released an edition, in words (已发布, an issue page)', () => {
  it('puts a stored trigger in words and keeps why', () => {
    expect(releasedByWords('cli（该刊无需审核）')).toBe('命令行（该刊无需审核）');
    expect(releasedByWords('schedule monthly-bulletin（该刊无需审核）')).toBe(
      '定时任务 monthly-bulletin（该刊无需审核）',
    );
    expect(releasedByWords('api (local-operator)（该刊无需审核）')).toBe(
      'API（local-operator）（该刊无需审核）',
    );
    expect(releasedByWords('npm start（首次运行，免审）')).toBe('npm start（首次运行，免审）');
  });
  it('leaves a person as they are', () => {
    expect(releasedByWords('王编辑')).toBe('王编辑');
    expect(releasedByWords('王编辑（定时发布 2026-12-06 19:46 北京时间）')).toBe(
      '王编辑（定时发布 2026-12-06 19:46 北京时间）',
    );
  });
});

describe('what an action was done to, on 操作记录', () => {
  it('names the kind of a typed key in Chinese and keeps ids as they are', () => {
    expect(targetWords('schedule:monthly-bulletin')).toBe('定时任务 monthly-bulletin');
    expect(targetWords('account:李审阅')).toBe('账号 李审阅');
    expect(targetWords('mail:abfbc1f35303')).toBe('邮件 abfbc1f35303');
    expect(targetWords('calendar:monthly-bulletin@2026-12-15')).toBe(
      '发布日期 monthly-bulletin@2026-12-15',
    );
    expect(targetWords('torch-bulletin-552')).toBe('torch-bulletin-552');
    expect(targetWords('0e39750d-16fa-4357-9505-49de3f3f5c4a')).toBe(
      '0e39750d-16fa-4357-9505-49de3f3f5c4a',
    );
  });
});
