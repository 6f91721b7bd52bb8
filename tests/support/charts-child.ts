/**
 * A separate process that draws one chart of each kind and then does nothing more: it must exit
 * by itself (no timer of the kept ECharts instances may hold it). Prints `DRAWN` when done.
 *
 * Usage: node --import tsx tests/support/charts-child.ts
 */
import { categoryChart, rankingBarChart, trendChart } from '../../functions/core/charts.ts';

const fig = (value: number) => ({ value, text: String(value), refs: [] });
const bars = { name: '营业收入', figures: [fig(3), fig(4), fig(5)] };
const line = { name: '同比增长', figures: [undefined, fig(33.3), fig(25)] };
trendChart({ categories: ['2022', '2023', '2024'], bars, line });
rankingBarChart({ categories: ['甲', '乙', '丙'], series: bars, highlight: new Set([1]) });
categoryChart({ categories: ['甲', '乙', '丙'], bars, markers: line, baseline: { value: 4 } });
process.stdout.write('DRAWN\n');
