// @access reconciliation
// One run's differences, server-paginated, filtered by kind and status: each difference's channel vs local
// amount, fee and status, what the system did on its own, and how finance resolved it (or a 处理 link).
import type { ActionType, ProColumns } from '@ant-design/pro-components';
import { Space, Tag, Tooltip, Typography } from 'antd';
import dayjs from 'dayjs';
import { forwardRef, useImperativeHandle, useRef } from 'react';
import { request } from '../../api/client';
import { optional, pageArgs, tablePage, type ProTableParams } from '../../components/table';
import type { ReconDifferencesQuery, StatementDifferenceKind, StatementDifferenceStatus } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { AutoAction } from './AutoAction';
import { ReconDifferencesDoc } from './documents';
import { DIFF_KIND, DIFF_KIND_COLOR, DIFF_KIND_HINT, DIFF_KINDS, DIFF_STATUS, DIFF_STATUS_COLOR, DIFF_STATUSES, RESOLUTION, sideStatus, SUBJECT } from './labels';
import DataTable from '../../components/DataTable';

export type DifferenceRow = NonNullable<ReconDifferencesQuery['statementRun']>['differences']['items'][number];

export interface DifferencesTableHandle {
  reload: () => void;
}

interface Props {
  runId: string;
  /** null: the run takes no resolution now (not matched, or closed). */
  onResolve: ((row: DifferenceRow) => void) | null;
}

/** Both sides of a figure, the channel's in red when they differ. */
function Pair({ channel, local, money = true, differs = channel !== local }: { channel: number | string | null; local: number | string | null; money?: boolean; differs?: boolean }) {
  const show = (v: number | string | null) => (v === null || v === '' ? '—' : money ? formatFen(v) : String(v));
  return (
    <Space direction="vertical" size={0}>
      <Typography.Text type={differs ? 'danger' : undefined}>{show(channel)}</Typography.Text>
      <Typography.Text type="secondary">{show(local)}</Typography.Text>
    </Space>
  );
}

export const DifferencesTable = forwardRef<DifferencesTableHandle, Props>(function DifferencesTable({ runId, onResolve }, ref) {
  const t = useT();
  const action = useRef<ActionType>(null);
  useImperativeHandle(ref, () => ({ reload: () => void action.current?.reload() }), []);

  const columns: ProColumns<DifferenceRow>[] = [
    {
      title: t('差异类型', 'Kind'),
      dataIndex: 'kind',
      valueType: 'select',
      valueEnum: Object.fromEntries(DIFF_KINDS.map((k) => [k, { text: t(...DIFF_KIND[k]) }])),
      render: (_, row) => (
        <Space direction="vertical" size={0}>
          <Tooltip title={t(...DIFF_KIND_HINT[row.kind])}>
            <Tag color={DIFF_KIND_COLOR[row.kind]} data-testid={`diff-kind-${row.id}`} data-kind={row.kind}>
              {t(...DIFF_KIND[row.kind])}
            </Tag>
          </Tooltip>
          <Typography.Text type="secondary">{t(...SUBJECT[row.subject])}</Typography.Text>
        </Space>
      ),
    },
    {
      title: t('商户订单号 / 退款单号', 'Order / refund no.'),
      dataIndex: 'outTradeNo',
      search: false,
      render: (_, row) => (
        <Space direction="vertical" size={0}>
          <Typography.Text copyable>{row.outTradeNo}</Typography.Text>
          {row.outRefundNo && <Typography.Text type="secondary">{row.outRefundNo}</Typography.Text>}
        </Space>
      ),
    },
    {
      title: (
        <Tooltip title={t('上：渠道账单；下：本地账', 'Top: the bill; bottom: the ledger')}>{t('金额 渠道/本地', 'Amount bill/ledger')}</Tooltip>
      ),
      key: 'amount',
      search: false,
      align: 'right',
      render: (_, row) => <Pair channel={row.channelAmountFen} local={row.localAmountFen} />,
    },
    {
      title: <Tooltip title={t('上：渠道收取；下：按费率应收', 'Top: charged; bottom: amount × rate')}>{t('手续费 渠道/应收', 'Fee charged/expected')}</Tooltip>,
      key: 'fee',
      search: false,
      align: 'right',
      render: (_, row) => <Pair channel={row.channelFeeFen} local={row.expectedFeeFen} />,
    },
    {
      title: t('状态 渠道/本地', 'Status bill/ledger'),
      key: 'state',
      search: false,
      // The two sides name their states differently (success vs paid): the class says whether they disagree.
      render: (_, row) => (
        <Pair
          channel={sideStatus(row.subject, 'channel', row.channelStatus, t)}
          local={sideStatus(row.subject, 'local', row.localStatus, t)}
          money={false}
          differs={row.kind === 'STATUS_MISMATCH'}
        />
      ),
    },
    {
      title: t('系统处理', 'Done automatically'),
      dataIndex: 'autoAction',
      search: false,
      width: 220,
      render: (_, row) => <AutoAction value={row.autoAction} testId={`diff-auto-${row.id}`} />,
    },
    {
      title: t('处理状态', 'Status'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: Object.fromEntries(DIFF_STATUSES.map((s) => [s, { text: t(...DIFF_STATUS[s]) }])),
      render: (_, row) => (
        <Space direction="vertical" size={0} data-testid={`diff-state-${row.id}`}>
          <Tag color={DIFF_STATUS_COLOR[row.status]} data-testid={`diff-status-${row.id}`} data-status={row.status}>
            {t(...DIFF_STATUS[row.status])}
          </Tag>
          {row.resolution && <Typography.Text>{t(...RESOLUTION[row.resolution])}</Typography.Text>}
          {row.note && <Typography.Text type="secondary">{row.note}</Typography.Text>}
          {row.resolvedBy && (
            <Typography.Text type="secondary">
              {row.resolvedBy} {row.resolvedAt ? dayjs(row.resolvedAt).format('MM-DD HH:mm') : ''}
            </Typography.Text>
          )}
        </Space>
      ),
    },
    {
      title: t('操作', 'Actions'),
      valueType: 'option',
      render: (_, row) =>
        onResolve && row.status === 'OPEN' && row.allowedResolutions.length
          ? [
              <Typography.Link key="resolve" onClick={() => onResolve(row)} data-testid={`diff-resolve-${row.id}`}>
                {t('处理', 'Resolve')}
              </Typography.Link>,
            ]
          : [],
    },
  ];

  return (
    <DataTable<DifferenceRow, ProTableParams>
      rowKey="id"
      actionRef={action}
      columns={columns}
      headerTitle={t('差异明细', 'Differences')}
      data-testid="differences-table"
      search={{ labelWidth: 'auto', defaultCollapsed: false }}
      options={{ reload: true, density: false, setting: false }}
      pagination={{ defaultPageSize: 20, showSizeChanger: true }}
      request={async (params) => {
        const { first, offset } = pageArgs(params);
        const res = await request(ReconDifferencesDoc, {
          runId,
          offset,
          limit: first,
          kind: (optional(params.kind) as StatementDifferenceKind | undefined) ?? null,
          status: (optional(params.status) as StatementDifferenceStatus | undefined) ?? null,
        });
        return tablePage(res.statementRun?.differences ?? { totalCount: 0, items: [] });
      }}
    />
  );
});
