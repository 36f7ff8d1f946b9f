// The SLA dashboard's charts as ECharts options (pure: the figures are checked in tests on the option).
import type { EChartsOption } from '../../charts/EChart';
import type { ServiceDashboardPageQuery } from '../../gql/tenant/graphql';
import type { T } from '../../i18n';
import { TICKET_KIND } from './labels';


export type Dashboard = ServiceDashboardPageQuery['slaDashboard'];

export function dailyOption(daily: Dashboard['daily'], t: T): EChartsOption {
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: [t('提交', 'Submitted'), t('办结', 'Resolved')] },
    grid: { left: 40, right: 16, top: 36, bottom: 28 },
    xAxis: { type: 'category', data: daily.map((d) => d.date.slice(5)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: t('提交', 'Submitted'), type: 'line', smooth: false, data: daily.map((d) => d.submitted) },
      { name: t('办结', 'Resolved'), type: 'line', smooth: false, data: daily.map((d) => d.resolved) },
    ],
  };
}

/** Open and overdue per category (or community), most open first; at most `top` bars. */
export function barOption(rows: readonly { label: string; open: number; overdue: number }[], t: T, top = 15): EChartsOption {
  const shown = [...rows].sort((a, b) => b.open - a.open || a.label.localeCompare(b.label)).slice(0, top).reverse();
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0, data: [t('在办', 'Open'), t('超时', 'Overdue')] },
    grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: shown.map((r) => r.label) },
    series: [
      { name: t('在办', 'Open'), type: 'bar', data: shown.map((r) => r.open) },
      { name: t('超时', 'Overdue'), type: 'bar', itemStyle: { color: '#cf1322' }, data: shown.map((r) => r.overdue) },
    ],
  };
}

/** A category row's name: its category, or the kind alone (temperature reports have no category). */
export function categoryLabel(row: Dashboard['byCategory'][number], t: T): string {
  if (row.category) return row.category.name;
  return row.kind === 'TEMPERATURE' ? t('室温报告', 'Temperature reports') : t(`${TICKET_KIND[row.kind][0]}（未分类）`, `${TICKET_KIND[row.kind][1]} (no category)`);
}

export function hours(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : value.toFixed(1);
}
