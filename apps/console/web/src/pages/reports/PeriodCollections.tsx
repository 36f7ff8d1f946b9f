// Money collected per period (day or month) and channel: a stacked bar chart and the same figures as a table
// with a totals line. Shared by the per-day and per-month views of the collections tab.
import { Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useMemo } from 'react';
import { EChart, type EChartsOption } from '../../charts/EChart';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { CHANNEL_COLORS, CHANNEL_LABELS } from '../dashboard/labels';
import { chartYuan, periodRows, totalRow, type PeriodFigures, type PeriodRow } from './figures';

export function PeriodCollections({ periods, testId }: { periods: readonly PeriodFigures[]; testId: string }) {
  const t = useT();
  const { rows, channels } = useMemo(() => periodRows(periods), [periods]);
  const total = useMemo(() => totalRow(rows), [rows]);

  const option = useMemo<EChartsOption>(
    () => ({
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: rows.map((r) => r.period) },
      yAxis: { type: 'value', name: t('元', 'CNY') },
      series: channels.map((channel) => ({
        type: 'bar',
        stack: 'collected',
        name: t(...CHANNEL_LABELS[channel]),
        itemStyle: { color: CHANNEL_COLORS[channel] },
        data: rows.map((r) => chartYuan(r.byChannel[channel] ?? 0)),
      })),
    }),
    [rows, channels, t],
  );

  const money = (fen: number) => formatFen(fen);
  const columns: ColumnsType<PeriodRow> = [
    { title: t('日期', 'Period'), dataIndex: 'period', fixed: 'left', width: 110 },
    ...channels.map((channel) => ({
      title: t(...CHANNEL_LABELS[channel]),
      key: channel,
      align: 'right' as const,
      render: (_: unknown, r: PeriodRow) => money(r.byChannel[channel] ?? 0),
    })),
    { title: t('收款合计', 'Collected'), dataIndex: 'collectedFen', align: 'right', render: money },
    { title: t('退款', 'Refunded'), dataIndex: 'refundedFen', align: 'right', render: money },
    { title: t('净额', 'Net'), dataIndex: 'netFen', align: 'right', render: (f: number) => <Typography.Text strong>{money(f)}</Typography.Text> },
  ];

  return (
    <>
      <EChart option={option} height={320} testId={`chart-${testId}`} />
      <Table<PeriodRow>
        rowKey="key"
        size="small"
        columns={columns}
        dataSource={rows}
        pagination={rows.length > 31 ? { pageSize: 31, showSizeChanger: false } : false}
        scroll={{ x: 'max-content' }}
        data-testid={`table-${testId}`}
        summary={() =>
          rows.length ? (
            <Table.Summary fixed>
              <Table.Summary.Row data-testid={`total-${testId}`}>
                <Table.Summary.Cell index={0}>{t('合计', 'Total')}</Table.Summary.Cell>
                {channels.map((c, i) => (
                  <Table.Summary.Cell key={c} index={i + 1} align="right">
                    {money(total.byChannel[c] ?? 0)}
                  </Table.Summary.Cell>
                ))}
                <Table.Summary.Cell index={channels.length + 1} align="right">
                  {money(total.collectedFen)}
                </Table.Summary.Cell>
                <Table.Summary.Cell index={channels.length + 2} align="right">
                  {money(total.refundedFen)}
                </Table.Summary.Cell>
                <Table.Summary.Cell index={channels.length + 3} align="right">
                  <Typography.Text strong>{money(total.netFen)}</Typography.Text>
                </Table.Summary.Cell>
              </Table.Summary.Row>
            </Table.Summary>
          ) : null
        }
      />
    </>
  );
}
