/**
 * The editor's desk, pure: who may do what (three roles), the shape of an account name, and
 * the record of an action. The console, the CLI and the API all check with {@link may}.
 *
 * - 审阅 (`reviewer`) reads drafts and everything else, changes nothing;
 * - 编辑 (`editor`) also releases, schedules, discards, corrects, withdraws and retries;
 * - 管理员 (`admin`) also switches schedules, runs one now, mails subscribers and sees accounts.
 */

export const ROLES = ['reviewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The role's name as people in the office say it. */
export const ROLE_LABELS: Record<Role, string> = {
  reviewer: '审阅',
  editor: '编辑',
  admin: '管理员',
};

/** Everything the desk records or guards. */
export type DeskAction =
  | 'read'
  | 'release'
  | 'schedule'
  | 'discard'
  | 'withdraw'
  | 'correct'
  | 'retry'
  | 'schedule-switch'
  | 'schedule-run'
  | 'calendar-move'
  | 'calendar-cancel'
  | 'test-mail'
  | 'resend'
  | 'accounts';

const MINIMUM: Record<DeskAction, Role> = {
  read: 'reviewer',
  release: 'editor',
  schedule: 'editor',
  discard: 'editor',
  withdraw: 'editor',
  correct: 'editor',
  retry: 'editor',
  'schedule-switch': 'admin',
  'schedule-run': 'admin',
  'calendar-move': 'admin',
  'calendar-cancel': 'admin',
  'test-mail': 'admin',
  resend: 'admin',
  accounts: 'admin',
};

/** The action in words, for the record's page and the console's notices. */
export const ACTION_LABELS: Record<DeskAction, string> = {
  read: '查看',
  release: '发布',
  schedule: '定时发布',
  discard: '弃用',
  withdraw: '撤回',
  correct: '勘误',
  retry: '重试',
  'schedule-switch': '定时任务开关',
  'schedule-run': '立即运行定时任务',
  'calendar-move': '发布日程改期',
  'calendar-cancel': '取消发布日期',
  'test-mail': '发送测试邮件',
  resend: '重发通知',
  accounts: '管理账号',
};

/** Whether a role may take an action. */
export function may(role: Role, action: DeskAction): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(MINIMUM[action]);
}

/** A role from its English id or its Chinese name (`编辑`), else undefined. */
export function parseRole(text: string): Role | undefined {
  const t = text.trim();
  if ((ROLES as readonly string[]).includes(t)) return t as Role;
  return ROLES.find((r) => ROLE_LABELS[r] === t);
}

/**
 * The strongest role among identity-provider groups (Cognito `cognito:groups`): a group is
 * named by the role's id. Undefined when none is a role.
 */
export function roleOfGroups(groups: readonly string[]): Role | undefined {
  let best: Role | undefined;
  for (const g of groups) {
    const r = parseRole(g);
    if (r && (!best || ROLES.indexOf(r) > ROLES.indexOf(best))) best = r;
  }
  return best;
}

/** An account name: 2–32 letters (any script), digits, `.`, `_`, `-`. */
export const ACCOUNT_NAME = /^[\p{L}\p{N}._-]{2,32}$/u;

/** One entry of the record of who did what. */
export interface DeskRecord {
  /** ISO time with offset. */
  at: string;
  /** The person (account name, OS user, `--by`) or the machine principal. */
  who: string;
  /** Where it was done: `console`, `cli`, `api`, `schedule`. */
  via: string;
  action: DeskAction;
  /** What it was done to: a draft, issue, run, schedule id or mail address hash. */
  target: string;
  /** More words (a reason, an embargo time, an outcome). */
  detail?: string;
  /** Other ids the action concerns (a draft's issue), so each one's record finds it. */
  related?: string[];
}

/** One person's reading of a draft before its release. */
export interface DraftAccess {
  draftId: string;
  who: string;
  firstAt: string;
  lastAt: string;
  count: number;
}
