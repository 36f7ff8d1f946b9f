// A thin React wrapper over ECharts' tree-shaken core: only the chart kinds and components registered here
// are bundled, and only into the chunks of pages that import this file (pages load lazily).
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { DatasetComponent, GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

echarts.use([BarChart, LineChart, PieChart, GridComponent, TooltipComponent, LegendComponent, TitleComponent, DatasetComponent, CanvasRenderer]);

export type EChartsOption = echarts.EChartsCoreOption;

/** How many data points of the option's series are non-zero (tests read it from data-nonzero). */
export function nonZeroPoints(option: EChartsOption): number {
  const series = (Array.isArray(option.series) ? option.series : option.series ? [option.series] : []) as { data?: unknown[] }[];
  let count = 0;
  for (const s of series) {
    for (const point of s.data ?? []) {
      const value = typeof point === 'object' && point !== null && 'value' in point ? (point as { value: unknown }).value : point;
      const n = Array.isArray(value) ? Number(value[value.length - 1]) : Number(value);
      if (Number.isFinite(n) && n !== 0) count += 1;
    }
  }
  return count;
}

/** Users who ask for less motion (and browser tests, for steady screenshots) get charts drawn at once. */
function reducedMotion(): boolean {
  return typeof window !== 'undefined' && !!window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
}

export function EChart({ option, height = 320, testId }: { option: EChartsOption; height?: number; testId?: string }) {
  const node = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    if (!node.current) return;
    const instance = echarts.init(node.current, undefined, { renderer: 'canvas' });
    chart.current = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(node.current);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption({ animation: !reducedMotion(), ...option }, { notMerge: true });
  }, [option]);

  return <div ref={node} style={{ width: '100%', height }} data-testid={testId} data-nonzero={nonZeroPoints(option)} />;
}
