// @access counter
// One search box for the counter: 户号 (prefix), owner name, full phone number or address words, as the API's
// houses(filter: {search}) matches them. Keyboard first: type and press Enter (the exact 户号 if it is among the
// results, else the first; pressed before the answer arrives, it selects when it does), ↑/↓ to move, Esc to clear.
import { SearchOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Input, List, Space, Tag, Typography, type InputRef } from 'antd';
import { forwardRef, useEffect, useState, type KeyboardEvent } from 'react';
import { ApiError, request } from '../../api/client';
import type { CounterHousesQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { HEATING_STATUS_COLORS, heatingStatusText } from '../houses/labels';
import { CounterHousesDoc } from './documents';

export type FoundHouse = CounterHousesQuery['houses']['items'][number];

const DEBOUNCE_MS = 200;

/** Where Enter lands: the exact 户号 if the results have it, else the first result. */
export function preferredIndex(houses: readonly FoundHouse[], text: string): number {
  const exact = houses.findIndex((h) => h.accountNo.toLowerCase() === text.trim().toLowerCase());
  return exact >= 0 ? exact : 0;
}

interface Props {
  onSelect: (house: FoundHouse) => void;
}

export const HouseSearch = forwardRef<InputRef, Props>(function HouseSearch({ onSelect }, ref) {
  const t = useT();
  const [text, setText] = useState('');
  const [term, setTerm] = useState('');
  const [active, setActive] = useState(0);
  const [enterPending, setEnterPending] = useState(false);

  useEffect(() => {
    const timer = window.setTimeout(() => setTerm(text.trim()), DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [text]);

  const query = useQuery({
    queryKey: ['CounterHouses', term],
    enabled: term !== '',
    queryFn: async () => (await request(CounterHousesDoc, { search: term })).houses,
    staleTime: 10_000,
  });
  const current = term === text.trim() && query.data && !query.isFetching ? query.data : null;
  const houses = current?.items ?? [];

  const choose = (house: FoundHouse) => {
    setEnterPending(false);
    setText('');
    setTerm('');
    onSelect(house);
  };

  // Results for what is typed now: highlight the likely one, and honour an Enter pressed while waiting.
  useEffect(() => {
    if (!current) return;
    const index = preferredIndex(current.items, term);
    setActive(index);
    if (enterPending && current.items.length) choose(current.items[index]);
    else if (enterPending) setEnterPending(false);
  }, [current]);

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (houses.length) setActive((i) => (i + (e.key === 'ArrowDown' ? 1 : houses.length - 1)) % houses.length);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (!text.trim()) return;
      if (current && houses.length) choose(houses[Math.min(active, houses.length - 1)]);
      else if (!current) setEnterPending(true);
    } else if (e.key === 'Escape') {
      setText('');
      setEnterPending(false);
    }
  };

  const statusText = heatingStatusText(t);
  return (
    <div>
      <Input
        ref={ref}
        size="large"
        allowClear
        autoFocus
        prefix={<SearchOutlined />}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        placeholder={t('户号 / 户主姓名 / 电话 / 地址，回车选择（F2 回到这里）', 'Account no. / owner / phone / address; Enter selects (F2 returns here)')}
        data-testid="counter-search"
        aria-label={t('查找房屋', 'Find a house')}
      />
      {query.error && (
        <Alert style={{ marginTop: 8 }} type="error" showIcon message={query.error instanceof ApiError ? query.error.message : String(query.error)} />
      )}
      {text.trim() !== '' && (current || query.isFetching || enterPending) && (
        <List<FoundHouse>
          style={{ marginTop: 8, background: '#fff' }}
          bordered
          size="small"
          loading={!current}
          dataSource={houses}
          data-testid="counter-search-results"
          locale={{ emptyText: t('没有找到房屋', 'No house found') }}
          footer={
            current && current.totalCount > houses.length ? (
              <Typography.Text type="secondary">
                {t(`共 ${current.totalCount} 户，请输入更多内容缩小范围`, `${current.totalCount} houses; type more to narrow down`)}
              </Typography.Text>
            ) : undefined
          }
          renderItem={(house, index) => (
            <List.Item
              onMouseMove={() => setActive(index)} // a pointer resting where the list opens moves nothing
              onMouseDown={(e) => {
                e.preventDefault(); // keep the focus in the box
                choose(house);
              }}
              style={{ cursor: 'pointer', background: index === active ? '#fff2e8' : undefined }}
              aria-selected={index === active}
              data-testid={`counter-search-result-${house.accountNo}`}
            >
              <Space size="middle" wrap>
                <Typography.Text strong>{house.accountNo}</Typography.Text>
                <span>{house.ownerName}</span>
                <Typography.Text type="secondary">{house.address}</Typography.Text>
                <Typography.Text type="secondary">{house.ownerPhone}</Typography.Text>
                <Tag color={HEATING_STATUS_COLORS[house.heatingStatus]}>{statusText[house.heatingStatus]}</Tag>
              </Space>
            </List.Item>
          )}
        />
      )}
    </div>
  );
});
