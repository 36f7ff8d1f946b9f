// @access counter
// 收费台: the collector's desk. Find the house (one box, keyboard first), see what it owes now, take the money
// (cash / POS / transfer, part payments included, change worked out for cash), print or download the receipt,
// and keep an eye on my shift, which closes here too (日结). F2 goes back to the search box from anywhere.
import { PrinterOutlined, DownloadOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Alert, Button, Card, Col, Descriptions, Result, Row, Space, Tag, Typography, type InputRef } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { ApiError, request } from '../../api/client';
import { downloadFile, openFile } from '../../api/files';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { HEATING_STATUS_COLORS, heatingStatusText } from '../houses/labels';
import { CounterMyShiftDoc } from './documents';
import { HouseSearch, type FoundHouse } from './HouseSearch';
import { METHOD_TEXT } from './labels';
import { PaymentPanel, type PaidOrder } from './PaymentPanel';
import { ShiftPanel } from './ShiftPanel';

function PaidResult({ order, house, onNext }: { order: PaidOrder; house: FoundHouse; onNext: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [busy, setBusy] = useState<'print' | 'download' | null>(null);
  const url = order.receiptUrl ?? '';
  const run = async (kind: 'print' | 'download') => {
    setBusy(kind);
    try {
      if (kind === 'print') await openFile(url);
      else await downloadFile(url, `receipt-${order.outTradeNo}.pdf`);
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(null);
    }
  };
  return (
    <Result
      status="success"
      title={
        <span data-testid="counter-paid">
          {t('收款成功', 'Payment taken')} <span data-testid="counter-paid-amount">{formatFen(order.amountFen)}</span>
        </span>
      }
      subTitle={t(
        `${house.accountNo} ${house.ownerName} · ${t(...METHOD_TEXT[order.counterMethod ?? 'CASH'])} · 收据号 ${order.receiptNo} · 订单 ${order.outTradeNo}`,
        `${house.accountNo} ${house.ownerName} · ${t(...METHOD_TEXT[order.counterMethod ?? 'CASH'])} · receipt ${order.receiptNo} · order ${order.outTradeNo}`,
      )}
      extra={[
        <Button key="print" type="primary" icon={<PrinterOutlined />} loading={busy === 'print'} onClick={() => run('print')} data-testid="counter-print">
          {t('打印收据', 'Print receipt')}
        </Button>,
        <Button key="download" icon={<DownloadOutlined />} loading={busy === 'download'} onClick={() => run('download')} data-testid="counter-download">
          {t('下载收据 PDF', 'Download receipt PDF')}
        </Button>,
        <Button key="next" onClick={onNext} data-testid="counter-next">
          {t('下一位（F2）', 'Next (F2)')}
        </Button>,
      ]}
    >
      <Descriptions size="small" column={1} bordered>
        {order.items.map((item) => (
          <Descriptions.Item key={item.bill.id} label={item.bill.season}>
            {formatFen(item.amountFen)}
            {item.discountFen > 0 && ` ${t('（含优惠', '(discount ')}-${formatFen(item.discountFen)}${t('）', ')')}`}
            {item.lateFeeFen > 0 && ` ${t('（含违约金', '(late fee ')}${formatFen(item.lateFeeFen)}${t('）', ')')}`}
          </Descriptions.Item>
        ))}
      </Descriptions>
    </Result>
  );
}

export default function CounterPage() {
  const t = useT();
  const client = useQueryClient();
  const searchRef = useRef<InputRef>(null);
  const amountRef = useRef<InputRef>(null);
  const [house, setHouse] = useState<FoundHouse | null>(null);
  const [paid, setPaid] = useState<PaidOrder | null>(null);
  const shift = useQuery({ queryKey: ['CounterMyShift'], queryFn: async () => (await request(CounterMyShiftDoc)).myShift });
  const lastReceiptNo = shift.data?.receipts.at(-1)?.receiptNo ?? null;

  const next = () => {
    setPaid(null);
    setHouse(null);
    window.setTimeout(() => searchRef.current?.focus(), 0);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'F2') {
        e.preventDefault();
        next();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const select = (found: FoundHouse) => {
    setPaid(null);
    setHouse(found);
    // The bills load first; the amount box takes the focus as soon as it exists.
    const focus = (tries: number) => {
      if (amountRef.current) amountRef.current.focus({ cursor: 'all' });
      else if (tries > 0) window.setTimeout(() => focus(tries - 1), 100);
    };
    focus(30);
  };

  const onPaid = (order: PaidOrder) => {
    setPaid(order);
    void client.invalidateQueries({ queryKey: ['CounterBills'] });
    void client.invalidateQueries({ queryKey: ['CounterMyShift'] });
  };

  const statusText = heatingStatusText(t);
  return (
    <Row gutter={16} data-testid="counter-page">
      <Col xs={24} xl={15}>
        <Space direction="vertical" size="middle" style={{ width: '100%' }}>
          <Card title={t('查找房屋', 'Find a house')} size="small">
            <HouseSearch ref={searchRef} onSelect={select} />
          </Card>
          {house && (
            <Card
              size="small"
              title={
                <Space data-testid="counter-house">
                  <Typography.Text strong>{house.accountNo}</Typography.Text>
                  <span>{house.ownerName}</span>
                  <Tag color={HEATING_STATUS_COLORS[house.heatingStatus]}>{statusText[house.heatingStatus]}</Tag>
                </Space>
              }
              extra={<Typography.Text type="secondary">{house.address} · {house.ownerPhone}</Typography.Text>}
            >
              {paid ? (
                <PaidResult order={paid} house={house} onNext={next} />
              ) : (
                <PaymentPanel key={house.id} ref={amountRef} houseId={house.id} lastReceiptNo={lastReceiptNo} onPaid={onPaid} />
              )}
            </Card>
          )}
          {!house && (
            <Alert
              type="info"
              showIcon
              message={t('输入户号、户主姓名、电话或地址，回车选中房屋后即可收费。', 'Type an account number, owner, phone or address and press Enter to pick the house.')}
            />
          )}
        </Space>
      </Col>
      <Col xs={24} xl={9}>
        <ShiftPanel shift={shift.data} loading={shift.isLoading} />
      </Col>
    </Row>
  );
}
