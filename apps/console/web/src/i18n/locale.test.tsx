// antd's and ProComponents' own texts (pagination, confirm buttons, date pickers, empty states) follow the
// console's language. They stayed English under zh_CN when the antd locale arrived wrapped in a CommonJS
// module object ({ default: locale }), which ConfigProvider silently ignores.
import { ProTable } from '@ant-design/pro-components';
import { act, screen } from '@testing-library/react';
import { Button, DatePicker, Pagination, Popconfirm, Table } from 'antd';
import dayjs from 'dayjs';
import { describe, expect, it } from 'vitest';
import ProLocale from '../components/ProLocale';
import { renderWithProviders } from '../test/render';
import { useLang } from '.';

function Switch() {
  const { lang, setLang } = useLang();
  return (
    <button type="button" data-testid="switch" onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}>
      switch
    </button>
  );
}

const rows = Array.from({ length: 30 }, (_, i) => ({ id: String(i), name: `r${i}` }));

function Screen() {
  return (
    <ProLocale>
      <Switch />
      <Pagination total={100} pageSize={20} showSizeChanger />
      <Popconfirm title="?" open>
        <Button>x</Button>
      </Popconfirm>
      <DatePicker />
      <Table rowKey="id" columns={[{ title: 'n', dataIndex: 'name' }]} dataSource={[]} />
      <ProTable
        rowKey="id"
        search={false}
        options={false}
        columns={[{ title: 'n', dataIndex: 'name' }]}
        dataSource={rows}
        pagination={{ pageSize: 20, showSizeChanger: true }}
      />
    </ProLocale>
  );
}

describe('antd and ProComponents texts', () => {
  it('are Chinese by default and English after switching, and back', async () => {
    localStorage.clear();
    renderWithProviders(<Screen />);
    // ProLocale loads before the table shows; wait for the ProTable's own pagination.
    expect((await screen.findAllByText('20 条/页')).length).toBe(2);
    expect(screen.getByText('确 定')).toBeTruthy(); // antd spaces two-character Chinese button texts
    expect(screen.getByText('取 消')).toBeTruthy();
    expect(screen.getByPlaceholderText('请选择日期')).toBeTruthy();
    expect(screen.getAllByText('暂无数据').length).toBeGreaterThan(0);
    expect(screen.queryByText('20 / page')).toBeNull();
    expect(dayjs().locale()).toBe('zh-cn');

    await act(async () => screen.getByTestId('switch').click());
    expect((await screen.findAllByText('20 / page')).length).toBe(2);
    expect(screen.getByText('OK')).toBeTruthy();
    expect(screen.getByText('Cancel')).toBeTruthy();
    expect(screen.getByPlaceholderText('Select date')).toBeTruthy();
    expect(screen.getAllByText('No data').length).toBeGreaterThan(0);
    expect(dayjs().locale()).toBe('en');

    await act(async () => screen.getByTestId('switch').click());
    expect((await screen.findAllByText('20 条/页')).length).toBe(2);
  });
});
