/**
 * The system clock: the `Clock` port as the machine tells the time. Tests give the app a clock
 * of their own (any instant, or one that moves) instead.
 */
import type { Clock } from '../../app/ports.ts';

export const systemClock: Clock = { now: () => new Date() };
