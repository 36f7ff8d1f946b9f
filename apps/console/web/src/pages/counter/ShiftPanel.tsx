// @access counter
// My shift: live totals by method (collected, handed back, net), the receipts taken, open it, and 日结 — close it
// after a confirmation that shows what will be frozen, then the closing summary (the frozen totals) to keep.
import { useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Descriptions, Empty, Modal, Space, Statistic, Table, Tag, Typography, type ButtonProps } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs from 'dayjs';
import { useState } from 'react';
import { ApiError, request } from '../../api/client';
import type { CounterCloseShiftMutation, CounterMyShiftQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { CounterCloseShiftDoc, CounterOpenShiftDoc } from './documents';
import { METHOD_SHORT } from './labels';

export type MyShift = NonNullable<CounterMyShiftQuery['myShift']>;
type ClosedShift = NonNullable<NonNullable<CounterCloseShiftMutation['closeShift']>['shift']>;
type Total = MyShift['totals'][number];

function ShiftTotals({ shift, testId }: { shift: MyShift | ClosedShift; testId: string }) {
  const t = useT();
  const columns: ColumnsType<Total> = [
    { title: t('方式', 'Method'), dataIndex: 'method', render: (m: Total['method']) => t(...METHOD_SHORT[m]) },
    { title: t('笔数', 'Count'), dataIndex: 'count', align: 'right', width: 56 },
    { title: t('收款', 'Taken'), dataIndex: 'collectedFen', align: 'right', render: (f: number) => formatFen(f) },
    { title: t('退款', 'Refunded'), dataIndex: 'refundedFen', align: 'right', render: (f: number) => (f ? `-${formatFen(f)}` : '—') },
    {
      title: t('净额', 'Net'),
      dataIndex: 'amountFen',
      align: 'right',
      render: (f: number, row) => <span data-testid={`${testId}-${row.method}`}>{formatFen(f)}</span>,
    },
  ];
  return (
    <Table<Total>
      rowKey="method"
      size="small"
      columns={columns}
      dataSource={shift.totals}
      pagination={false}
      summary={() => (
        <Table.Summary.Row>
          <Table.Summary.Cell index={0}>{t('合计', 'Total')}</Table.Summary.Cell>
          <Table.Summary.Cell index={1} align="right">
            {shift.count}
          </Table.Summary.Cell>
          <Table.Summary.Cell index={2} align="right">
            {formatFen(shift.collectedFen)}
          </Table.Summary.Cell>
          <Table.Summary.Cell index={3} align="right">
            {shift.refundedFen ? `-${formatFen(shift.refundedFen)}` : '—'}
          </Table.Summary.Cell>
          <Table.Summary.Cell index={4} align="right">
            <Typography.Text strong data-testid={`${testId}-total`}>
              {formatFen(shift.totalFen)}
            </Typography.Text>
          </Table.Summary.Cell>
        </Table.Summary.Row>
      )}
    />
  );
}

interface Props {
  shift: MyShift | null | undefined;
  loading: boolean;
}

export function ShiftPanel({ shift, loading }: Props) {
  const t = useT();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [closed, setClosed] = useState<ClosedShift | null>(null);
  const refresh = () => client.invalidateQueries({ queryKey: ['CounterMyShift'] });

  const open = async () => {
    setBusy(true);
    try {
      const res = (await request(CounterOpenShiftDoc)).openShift;
      if (res?.errors.length) message.error(res.errors.map((e) => e.message).join(' '));
      else message.success(t('已开班', 'Shift opened'));
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
      await refresh();
    }
  };

  const close = async () => {
    if (!shift) return;
    setBusy(true);
    try {
      const res = (await request(CounterCloseShiftDoc, { id: shift.id })).closeShift;
      if (res?.shift) {
        setConfirming(false);
        setClosed(res.shift);
      } else message.error((res?.errors ?? []).map((e) => e.message).join(' '));
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
      await refresh();
    }
  };

  return (
    <Card
      title={t('我的班次', 'My shift')}
      extra={shift ? <Tag color="green">{t('当班中', 'Open')}</Tag> : <Tag>{t('未开班', 'Not open')}</Tag>}
      loading={loading}
      data-testid="shift-panel"
    >
      {!shift ? (
        <Empty description={t('没有进行中的班次；开班后（或收第一笔款时）开始累计', 'No open shift; one opens now or with the first payment')}>
          <Button type="primary" onClick={open} loading={busy} data-testid="shift-open">
            {t('开班', 'Open shift')}
          </Button>
        </Empty>
      ) : (
        <Space direction="vertical" style={{ width: '100%' }} size="middle">
          <Descriptions size="small" column={1}>
            <Descriptions.Item label={t('收费员', 'Collector')}>{shift.collectorName}</Descriptions.Item>
            <Descriptions.Item label={t('开班时间', 'Opened')}>
              <span data-testid="shift-opened-at">{dayjs(shift.openedAt).format('YYYY-MM-DD HH:mm')}</span>
            </Descriptions.Item>
          </Descriptions>
          <Statistic title={t('本班净收（扣除退款）', 'Net taken this shift')} value={formatFen(shift.totalFen)} />
          <ShiftTotals shift={shift} testId="shift-total" />
          {shift.receipts.length > 0 && (
            <div>
              <Typography.Text type="secondary">{t('最近收据', 'Latest receipts')}</Typography.Text>
              <Table
                rowKey="outTradeNo"
                size="small"
                pagination={false}
                dataSource={[...shift.receipts].reverse().slice(0, 8)}
                data-testid="shift-receipts"
                columns={[
                  { title: t('收据号', 'Receipt'), dataIndex: 'receiptNo' },
                  { title: t('户号', 'Account'), dataIndex: 'accountNos', render: (a: string[]) => a.join(', ') },
                  { title: t('方式', 'Method'), dataIndex: 'method', render: (m: Total['method']) => t(...METHOD_SHORT[m]) },
                  { title: t('金额', 'Amount'), dataIndex: 'amountFen', align: 'right', render: (f: number) => formatFen(f) },
                ]}
              />
            </div>
          )}
          <Button danger block onClick={() => setConfirming(true)} data-testid="shift-close">
            {t('日结（关班）', 'Close shift (daily settlement)')}
          </Button>
        </Space>
      )}

      <Modal
        open={confirming && !!shift}
        title={t('确认日结？', 'Close this shift?')}
        okText={t('确认日结', 'Close shift')}
        okButtonProps={{ danger: true, loading: busy, 'data-testid': 'shift-close-confirm' } as ButtonProps}
        onOk={close}
        onCancel={() => setConfirming(false)}
        destroyOnHidden
      >
        <Typography.Paragraph>
          {t(
            '日结后本班次的合计将冻结，不能再在本班次收款或退款；之后的收款会记入新班次。请先核对钱箱现金与下表一致。',
            'Closing freezes these totals; no more payments or refunds go into this shift (later ones open a new shift). Count the cash drawer against the table first.',
          )}
        </Typography.Paragraph>
        {shift && <ShiftTotals shift={shift} testId="shift-confirm-total" />}
      </Modal>

      <Modal
        open={closed !== null}
        title={t('日结完成', 'Shift closed')}
        footer={
          <Button type="primary" onClick={() => setClosed(null)} data-testid="shift-closed-ok">
            {t('知道了', 'OK')}
          </Button>
        }
        onCancel={() => setClosed(null)}
        width={640}
      >
        {closed && (
          <Space direction="vertical" style={{ width: '100%' }} data-testid="shift-closed-summary">
            <Descriptions size="small" column={2} bordered>
              <Descriptions.Item label={t('收费员', 'Collector')}>{closed.collectorName}</Descriptions.Item>
              <Descriptions.Item label={t('笔数', 'Payments')}>{closed.count}</Descriptions.Item>
              <Descriptions.Item label={t('开班', 'Opened')}>{dayjs(closed.openedAt).format('YYYY-MM-DD HH:mm')}</Descriptions.Item>
              <Descriptions.Item label={t('日结', 'Closed')}>{dayjs(closed.closedAt).format('YYYY-MM-DD HH:mm')}</Descriptions.Item>
            </Descriptions>
            <ShiftTotals shift={closed} testId="shift-closed-total" />
            {closed.refunds.length > 0 && (
              <Typography.Text type="secondary">
                {t(`含退款 ${closed.refunds.length} 笔`, `${closed.refunds.length} refunds included`)}
              </Typography.Text>
            )}
          </Space>
        )}
      </Modal>
    </Card>
  );
}
