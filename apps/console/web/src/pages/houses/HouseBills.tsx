// @access houses
// A house's bills, newest season first, server-paginated; a bill opens in the bills page's drawer (its lines
// with their explanations, today's amount due, and adjust / waive for the roles that may).
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Table, Tag } from 'antd';
import { useState } from 'react';
import { ApiError, request } from '../../api/client';
import { graphql } from '../../gql/tenant';
import type { HouseDetailBillsQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { BillDrawer } from '../bills/BillDrawer';
import { BILL_STATUS, BILL_STATUS_COLOR } from '../bills/labels';

export const HouseDetailBillsDoc = graphql(`
  query HouseDetailBills($houseId: ID!, $first: Int, $offset: Int) {
    bills(filter: { houseId: $houseId }, first: $first, offset: $offset) {
      totalCount
      items { id season status principalFen paidFen issuedAt amountDue { totalFen } }
    }
  }
`);

type Row = HouseDetailBillsQuery['bills']['items'][number];
const PAGE = 10;

export function HouseBills({ houseId }: { houseId: string }) {
  const t = useT();
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<string | null>(null);
  const key = ['houseBills', houseId, page];
  const { data, isFetching, error } = useQuery({
    queryKey: key,
    queryFn: () => request(HouseDetailBillsDoc, { houseId, first: PAGE, offset: (page - 1) * PAGE }),
    placeholderData: (previous) => previous,
  });
  if (error) return <Alert type="error" showIcon message={error instanceof ApiError ? error.message : String(error)} />;
  return (
    <>
      <Table<Row>
        size="small"
        rowKey="id"
        loading={isFetching}
        dataSource={data?.bills.items ?? []}
        pagination={{ current: page, pageSize: PAGE, total: data?.bills.totalCount ?? 0, onChange: setPage, showSizeChanger: false }}
        columns={[
          {
            title: t('采暖季', 'Season'),
            dataIndex: 'season',
            render: (season: string, row) => (
              <a onClick={() => setOpen(row.id)} data-testid={`house-bill-${row.id}`}>
                {season}
              </a>
            ),
          },
          {
            title: t('状态', 'Status'),
            dataIndex: 'status',
            render: (s: Row['status']) => <Tag color={BILL_STATUS_COLOR[s]}>{t(...BILL_STATUS[s])}</Tag>,
          },
          { title: t('应收', 'Billed'), dataIndex: 'principalFen', align: 'right', render: (f: number) => formatFen(f) },
          { title: t('已缴', 'Paid'), dataIndex: 'paidFen', align: 'right', render: (f: number) => formatFen(f) },
          {
            title: t('今日应缴', 'Due today'),
            dataIndex: ['amountDue', 'totalFen'],
            align: 'right',
            render: (f: number) => formatFen(f),
          },
        ]}
      />
      <BillDrawer
        billId={open}
        onClose={() => setOpen(null)}
        onChanged={() => void queryClient.invalidateQueries({ queryKey: ['houseBills', houseId] })}
      />
    </>
  );
}
