import { describe, expect, it } from 'vitest';
import { releasedByWords } from '../../functions/api/console/render.ts';

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
