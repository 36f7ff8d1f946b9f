// @access houses
// One house: its ledger data, and (tabs) its bills, payments, heating-status history and bound residents.
// Each tab loads when opened.
// Edit and the heating-status change show only to the roles access.ts names for them.
import { ArrowLeftOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Card, Descriptions, Result, Skeleton, Space, Tabs, Tag } from 'antd';
import { Link, useParams } from 'react-router-dom';
import { ApiError, request } from '../../api/client';
import { useCan } from '../../auth/useCan';
import { graphql } from '../../gql/tenant';
import { useT } from '../../i18n';
import { HeatingStatusDialog } from './HeatingStatusDialog';
import { HouseBills } from './HouseBills';
import { HouseResidents, HouseStatusHistory } from './HouseHistory';
import { HousePayments } from './HousePayments';
import { HouseEditForm } from './HouseEditForm';
import { HEATING_STATUS_COLORS, categoryText, heatingStatusText, lowIncomeText } from './labels';

export const HouseDoc = graphql(`
  query HouseDetail($id: ID!) {
    house(id: $id) {
      id
      accountNo
      address
      community
      building
      unit
      room
      buildingArea
      usableArea
      category
      lowIncome
      meterNo
      heatingStatus
      ownerName
      ownerPhone
      ownerIdNo
    }
  }
`);

export default function HouseDetail() {
  const t = useT();
  const can = useCan();
  const { id = '' } = useParams();
  const queryClient = useQueryClient();
  const key = ['house', id];
  const { data, isPending, error } = useQuery({ queryKey: key, queryFn: () => request(HouseDoc, { id }) });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: key });
    void queryClient.invalidateQueries({ queryKey: ['houseStatusChanges', id] });
  };
  const back = (
    <Link to=".." relative="path" data-testid="house-back">
      <ArrowLeftOutlined /> {t('返回房屋列表', 'Back to the houses')}
    </Link>
  );

  if (isPending) return <Skeleton active />;
  if (error) return <Alert type="error" showIcon message={error instanceof ApiError ? error.message : String(error)} />;
  const house = data.house;
  if (!house) return <Result status="404" title={t('找不到该房屋', 'No such house')} extra={back} />;

  const statusText = heatingStatusText(t);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="house-detail">
      {back}
      <Card
        title={
          <Space>
            <span data-testid="house-detail-account-no">{house.accountNo}</span>
            <span>{house.address}</span>
            <Tag color={HEATING_STATUS_COLORS[house.heatingStatus]} data-testid="house-detail-status">
              {statusText[house.heatingStatus]}
            </Tag>
          </Space>
        }
        extra={
          <Space>
            {can('houses.heatingStatus') && <HeatingStatusDialog house={house} size="middle" onChanged={refresh} />}
            {can('houses.edit') && <HouseEditForm house={house} onSaved={refresh} />}
          </Space>
        }
      >
        <Descriptions column={{ xs: 1, md: 2, xl: 3 }} size="small">
          <Descriptions.Item label={t('小区', 'Community')}>{house.community}</Descriptions.Item>
          <Descriptions.Item label={t('楼号', 'Building')}>{house.building}</Descriptions.Item>
          <Descriptions.Item label={t('单元', 'Unit')}>{house.unit ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('室号', 'Room')}>{house.room}</Descriptions.Item>
          <Descriptions.Item label={t('建筑面积', 'Floor area')}>{house.buildingArea} ㎡</Descriptions.Item>
          <Descriptions.Item label={t('套内面积', 'Usable area')}>{house.usableArea ? `${house.usableArea} ㎡` : '—'}</Descriptions.Item>
          <Descriptions.Item label={t('类别', 'Category')}>{categoryText(t)[house.category]}</Descriptions.Item>
          <Descriptions.Item label={t('低保/特困', 'Low income')}>{lowIncomeText(t)[house.lowIncome]}</Descriptions.Item>
          <Descriptions.Item label={t('热表编号', 'Heat meter')}>{house.meterNo || '—'}</Descriptions.Item>
          <Descriptions.Item label={t('户主', 'Owner')}>{house.ownerName}</Descriptions.Item>
          <Descriptions.Item label={t('户主电话', "Owner's phone")}>
            <span data-testid="house-detail-phone">{house.ownerPhone || '—'}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('证件号码', 'ID number')}>{house.ownerIdNo || '—'}</Descriptions.Item>
        </Descriptions>
      </Card>
      <Card>
        <Tabs
          items={[
            { key: 'bills', label: t('账单', 'Bills'), children: <HouseBills houseId={house.id} /> },
            ...(can('houses.payments')
              ? [{ key: 'payments', label: t('缴费记录', 'Payments'), children: <HousePayments houseId={house.id} /> }]
              : []),
            { key: 'status', label: t('供热状态记录', 'Heating status history'), children: <HouseStatusHistory houseId={house.id} /> },
            { key: 'residents', label: t('绑定居民', 'Bound residents'), children: <HouseResidents houseId={house.id} /> },
          ].map((item) => ({ ...item, label: <span data-testid={`house-tab-${item.key}`}>{item.label}</span> }))}
        />
      </Card>
    </Space>
  );
}
