// @access bills
// One bill: who and which season, every line with the engine's own explanation (e.g. 采暖费：89.50㎡ × 24.00元/㎡),
// what paying today costs (outstanding − early discount + late fee), and, for finance and admin, adjust / waive.
import { useQuery } from '@tanstack/react-query';
import { Alert, Descriptions, Drawer, Skeleton, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs from 'dayjs';
import { ApiError, request } from '../../api/client';
import { useCan } from '../../auth/useCan';
import type { BillQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { showDecimal } from '../seasons/labels';
import { BillActions } from './BillActions';
import { BillDoc } from './documents';
import { BILL_STATUS, BILL_STATUS_COLOR, LINE_KIND } from './labels';

type Line = NonNullable<BillQuery['bill']>['lines'][number];

export function BillDrawer({ billId, onClose, onChanged }: { billId: string | null; onClose: () => void; onChanged: () => void }) {
  const t = useT();
  const can = useCan();
  const query = useQuery({
    queryKey: ['bill', billId],
    enabled: billId !== null,
    queryFn: async () => (await request(BillDoc, { id: billId as string })).bill,
  });
  const bill = query.data;
  const columns: ColumnsType<Line> = [
    { title: t('项目', 'Item'), dataIndex: 'kind', width: 110, render: (k: Line['kind']) => t(...LINE_KIND[k]) },
    { title: t('数量', 'Quantity'), dataIndex: 'quantity', align: 'right', width: 90, render: (q: string) => showDecimal(q) },
    { title: t('单价（元）', 'Unit price (yuan)'), dataIndex: 'unitPrice', align: 'right', width: 110, render: (u: string) => showDecimal(u) },
    { title: t('金额', 'Amount'), dataIndex: 'amountFen', align: 'right', width: 120, render: (f: number) => formatFen(f) },
    { title: t('说明', 'Explanation'), dataIndex: 'explanation', render: (e: string) => <span data-testid="bill-line-explanation">{e}</span> },
  ];
  return (
    <Drawer open={billId !== null} onClose={onClose} width={820} title={t('账单详情', 'Bill')} destroyOnHidden data-testid="bill-drawer">
      {query.isLoading && <Skeleton active />}
      {query.error && <Alert type="error" showIcon message={query.error instanceof ApiError ? query.error.message : String(query.error)} />}
      {query.isSuccess && !bill && <Alert type="warning" showIcon message={t('找不到该账单', 'No such bill')} />}
      {bill && (
        <Space direction="vertical" size="large" style={{ width: '100%' }}>
          <Descriptions size="small" column={2} bordered>
            <Descriptions.Item label={t('户号', 'Account')}>{bill.house.accountNo}</Descriptions.Item>
            <Descriptions.Item label={t('地址', 'Address')}>{bill.house.address}</Descriptions.Item>
            <Descriptions.Item label={t('采暖季', 'Season')}>{bill.season}</Descriptions.Item>
            <Descriptions.Item label={t('状态', 'Status')}>
              <Tag color={BILL_STATUS_COLOR[bill.status]} data-testid="bill-status">
                {t(...BILL_STATUS[bill.status])}
              </Tag>
            </Descriptions.Item>
            <Descriptions.Item label={t('应收', 'Billed')}>
              <span data-testid="bill-principal">{formatFen(bill.principalFen)}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('已缴', 'Paid')}>{formatFen(bill.paidFen)}</Descriptions.Item>
            <Descriptions.Item label={t('出账时间', 'Issued')}>{dayjs(bill.issuedAt).format('YYYY-MM-DD HH:mm')}</Descriptions.Item>
          </Descriptions>

          <div>
            <Typography.Title level={5}>{t('账单明细', 'Lines')}</Typography.Title>
            <Table<Line>
              rowKey={(_, i) => String(i)}
              size="small"
              columns={columns}
              dataSource={bill.lines}
              pagination={false}
              data-testid="bill-lines"
              summary={() => (
                <Table.Summary.Row>
                  <Table.Summary.Cell index={0} colSpan={3}>
                    {t('合计应收', 'Total billed')}
                  </Table.Summary.Cell>
                  <Table.Summary.Cell index={3} align="right">
                    {formatFen(bill.principalFen)}
                  </Table.Summary.Cell>
                  <Table.Summary.Cell index={4} />
                </Table.Summary.Row>
              )}
            />
          </div>

          <div>
            <Typography.Title level={5}>{t(`今日应缴（${bill.amountDue.asOf}）`, `Due today (${bill.amountDue.asOf})`)}</Typography.Title>
            <Descriptions size="small" column={4} bordered>
              <Descriptions.Item label={t('未缴本金', 'Outstanding')}>{formatFen(bill.amountDue.outstandingFen)}</Descriptions.Item>
              <Descriptions.Item label={t('早缴优惠', 'Discount')}>{formatFen(-bill.amountDue.discountFen)}</Descriptions.Item>
              <Descriptions.Item label={t('违约金', 'Late fee')}>{formatFen(bill.amountDue.lateFeeFen)}</Descriptions.Item>
              <Descriptions.Item label={t('合计', 'Total')}>
                <strong data-testid="bill-amount-due">{formatFen(bill.amountDue.totalFen)}</strong>
              </Descriptions.Item>
            </Descriptions>
          </div>

          {can('bills.adjust') && (
            <BillActions
              bill={{
                id: bill.id,
                status: bill.status,
                accountNo: bill.house.accountNo,
                principalFen: bill.principalFen,
                paidFen: bill.paidFen,
                outstandingFen: bill.amountDue.outstandingFen,
              }}
              onChanged={() => {
                void query.refetch();
                onChanged();
              }}
            />
          )}
        </Space>
      )}
    </Drawer>
  );
}
